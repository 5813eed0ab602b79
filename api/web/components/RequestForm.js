// An employee's new request in a bottom sheet (phone) or side drawer: leave (the office's types with their unit:
// whole days, half days or hours; an attachment when the type requires one), overtime (day, window, overtime pay or
// time off in lieu), a missed-punch correction (day, in or out, time), a trip (whole days) and a resignation (离职:
// the last day worked). The times sent are the office's wall clock, as
// the API reads them. A refusal is shown in the form as the API words it (`detail`), and nothing is sent again
// until the employee changes something and submits.
import { computed, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { submitRequest } from "../api/selfService.js";
import { isPhone } from "../viewport.js";

const TIME = /^([01]?\d|2[0-3])[:\uFF1A]([0-5]\d)$/; // 8:57, 08:57 or with a full-width colon as a Chinese IME types it
const MAX_ATTACHMENT = 2 * 1024 * 1024;

// "2026-03-09" + n days, on the calendar (no time zone involved).
export function addDays(day, n) {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + n);
  return at.toISOString().slice(0, 10);
}

const hhmm = (text) => {
  const match = TIME.exec(String(text || "").trim());
  return match ? `${match[1].padStart(2, "0")}:${match[2]}` : null;
};

const blank = () => ({
  kind: "leave", leaveType: "", from: "", to: "", fromHalf: "am", toHalf: "pm", day: "", start: "", end: "",
  comp: "pay", direction: "in", time: "", reason: "", file: null,
});

// The start and end the API takes for the form's kind and unit; null with the catalogue key of what is missing.
export function requestTimes(form, unit) {
  if (form.kind === "resignation") return form.day ? { starts_at: `${form.day}T00:00` } : { missing: "settlement.form.needDay" };
  if (form.kind === "correction") {
    const time = hhmm(form.time);
    if (!form.day || !time) return { missing: "self.form.needTime" };
    return { starts_at: `${form.day}T${time}` };
  }
  if (form.kind === "overtime" || (form.kind === "leave" && unit === "hour")) {
    const start = hhmm(form.start);
    const end = hhmm(form.end);
    if (!form.day || !start || !end) return { missing: "self.form.needWindow" };
    const endDay = end <= start ? addDays(form.day, 1) : form.day; // an evening window may end after midnight
    return { starts_at: `${form.day}T${start}`, ends_at: `${endDay}T${end}` };
  }
  if (!form.from || !form.to) return { missing: "self.form.needDays" };
  if (form.kind === "leave" && unit === "half_day") {
    const start = `${form.from}T${form.fromHalf === "am" ? "00:00" : "12:00"}`;
    const end = form.toHalf === "am" ? `${form.to}T12:00` : `${addDays(form.to, 1)}T00:00`;
    return { starts_at: start, ends_at: end };
  }
  return { starts_at: `${form.from}T00:00`, ends_at: `${addDays(form.to, 1)}T00:00` };
}

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export default {
  props: {
    open: { type: Boolean, required: true },
    types: { type: Array, default: () => [] }, // GET /leave/types
    preset: { type: Object, default: null }, // fields to start from, e.g. a correction of a day of the calendar
  },
  emits: ["close", "submitted"],
  setup(props, { emit }) {
    const { t, locale } = useI18n();
    const form = reactive(blank());
    const problem = ref("");
    const saving = ref(false);

    watch(
      () => props.open,
      (open) => {
        if (!open) return;
        Object.assign(form, blank(), props.preset || {});
        problem.value = "";
      },
      { immediate: true },
    );
    // A leave form starts on the office's first type (annual leave) once the types are known.
    watch(
      () => [form.kind, props.types],
      () => {
        if (form.kind === "leave" && !form.leaveType && props.types.length) form.leaveType = props.types[0].code;
      },
      { immediate: true },
    );
    const type = computed(() => props.types.find((x) => x.code === form.leaveType) || null);
    const unit = computed(() => (type.value ? type.value.unit : "day"));
    const typeName = (x) => (locale.value === "en" ? x.name_en : x.name);

    function pick(upload) {
      const file = upload.raw || upload;
      if (file.size > MAX_ATTACHMENT) {
        problem.value = t("self.form.tooBig");
        form.file = null;
        return;
      }
      form.file = file;
    }

    async function submit() {
      problem.value = "";
      const times = requestTimes(form, unit.value);
      if (times.missing) return (problem.value = t(times.missing));
      if (!form.reason.trim()) return (problem.value = t("self.form.needReason"));
      const body = { kind: form.kind, reason: form.reason.trim(), ...times };
      if (form.kind === "leave") {
        body.leave_type = form.leaveType;
        if (type.value && type.value.attachment_required && !form.file) return (problem.value = t("self.form.needAttachment"));
        if (form.file) {
          body.attachment = { filename: form.file.name, content_type: form.file.type || "application/octet-stream", data: await base64Of(form.file) };
        }
      }
      if (form.kind === "overtime") body.comp = form.comp;
      if (form.kind === "correction") body.direction = form.direction;
      saving.value = true;
      try {
        const created = await submitRequest(body);
        emit("submitted", created);
      } catch (error) {
        problem.value = error.detail || t(`errors.${error.kind || "server"}`);
      } finally {
        saving.value = false;
      }
    }

    // The resignation's texts live in the catalogue's settlement section; every other kind's under self.
    const kindText = (k) => (k === "resignation" ? t("settlement.kind") : t(`self.kinds.${k}`));
    const formText = (key) => (form.kind === "resignation" ? t(`settlement.form.${key}`) : t(`self.form.${key}.${form.kind}`));
    return { form, problem, saving, type, unit, typeName, isPhone, pick, submit, kindText, formText, KINDS: ["leave", "overtime", "correction", "trip", "resignation"] };
  },
  template: `
<el-drawer :model-value="open" :direction="isPhone ? 'btt' : 'rtl'" :size="isPhone ? '92%' : '460px'" :title="formText('title')" @close="$emit('close')" data-test="request-form">
  <el-form label-position="top" @submit.prevent>
    <el-form-item v-if="!preset || !preset.kind" :label="$t('self.form.kind')">
      <el-radio-group v-model="form.kind" data-test="request-kind" @change="problem = ''">
        <el-radio-button v-for="k in KINDS" :key="k" :value="k">{{ kindText(k) }}</el-radio-button>
      </el-radio-group>
    </el-form-item>

    <template v-if="form.kind === 'leave'">
      <el-form-item :label="$t('self.form.leaveType')">
        <el-select v-model="form.leaveType" data-test="leave-type" class="block-input">
          <el-option v-for="x in types" :key="x.code" :value="x.code" :label="typeName(x) + ' · ' + $t('self.units.' + x.unit)" />
        </el-select>
        <div v-if="type && type.attachment_required" class="muted small-text">{{ $t('self.form.attachmentRule') }}</div>
      </el-form-item>
    </template>

    <template v-if="form.kind === 'resignation'">
      <el-form-item :label="$t('settlement.form.lastDay')">
        <el-date-picker v-model="form.day" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" class="block-input" data-test="form-last-day" />
        <div class="muted small-text">{{ $t('settlement.form.lastDayHint') }}</div>
      </el-form-item>
    </template>
    <template v-else-if="form.kind === 'correction' || form.kind === 'overtime' || (form.kind === 'leave' && unit === 'hour')">
      <el-form-item :label="$t('self.form.day')">
        <el-date-picker v-model="form.day" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" class="block-input" data-test="form-day" />
      </el-form-item>
    </template>
    <template v-else>
      <el-form-item :label="$t('self.form.from')">
        <div class="form-pair">
          <el-date-picker v-model="form.from" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" data-test="form-from" />
          <el-radio-group v-if="form.kind === 'leave' && unit === 'half_day'" v-model="form.fromHalf" data-test="form-from-half">
            <el-radio-button value="am">{{ $t('self.form.am') }}</el-radio-button><el-radio-button value="pm">{{ $t('self.form.pm') }}</el-radio-button>
          </el-radio-group>
        </div>
      </el-form-item>
      <el-form-item :label="$t('self.form.to')">
        <div class="form-pair">
          <el-date-picker v-model="form.to" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" data-test="form-to" />
          <el-radio-group v-if="form.kind === 'leave' && unit === 'half_day'" v-model="form.toHalf" data-test="form-to-half">
            <el-radio-button value="am">{{ $t('self.form.am') }}</el-radio-button><el-radio-button value="pm">{{ $t('self.form.pm') }}</el-radio-button>
          </el-radio-group>
        </div>
      </el-form-item>
    </template>

    <el-form-item v-if="form.kind === 'overtime' || (form.kind === 'leave' && unit === 'hour')" :label="$t('self.form.window')">
      <div class="form-pair">
        <el-input v-model="form.start" maxlength="5" class="time-input" name="start" :placeholder="$t('self.form.timeHint')" data-test="form-start" />
        <span>–</span>
        <el-input v-model="form.end" maxlength="5" class="time-input" name="end" :placeholder="$t('self.form.timeHint')" data-test="form-end" />
      </div>
    </el-form-item>
    <el-form-item v-if="form.kind === 'overtime'" :label="$t('self.form.comp')">
      <el-radio-group v-model="form.comp" data-test="form-comp">
        <el-radio-button value="pay">{{ $t('self.comp.pay') }}</el-radio-button><el-radio-button value="time_off">{{ $t('self.comp.time_off') }}</el-radio-button>
      </el-radio-group>
    </el-form-item>

    <template v-if="form.kind === 'correction'">
      <el-form-item :label="$t('self.form.direction')">
        <el-radio-group v-model="form.direction" data-test="form-direction">
          <el-radio-button value="in">{{ $t('self.direction.in') }}</el-radio-button><el-radio-button value="out">{{ $t('self.direction.out') }}</el-radio-button>
        </el-radio-group>
      </el-form-item>
      <el-form-item :label="$t('self.form.time')">
        <el-input v-model="form.time" maxlength="5" class="time-input" name="time" :placeholder="$t('self.form.timeHint')" data-test="form-time" />
      </el-form-item>
    </template>

    <el-form-item :label="$t('self.form.reason')">
      <el-input v-model="form.reason" type="textarea" :rows="2" maxlength="1000" name="reason" :placeholder="formText('reasonHint')" data-test="form-reason" />
    </el-form-item>
    <el-form-item v-if="form.kind === 'leave'" :label="$t('self.form.attachment')">
      <el-upload :auto-upload="false" :show-file-list="false" :on-change="pick" accept="image/*,application/pdf" data-test="form-attachment">
        <el-button>{{ $t('self.form.chooseFile') }}</el-button>
      </el-upload>
      <span v-if="form.file" class="file-name small-text">{{ form.file.name }}</span>
    </el-form-item>

    <el-alert v-if="problem" type="error" :title="problem" :closable="false" show-icon class="block" data-test="request-problem" />
    <el-button type="primary" class="auth-submit" :loading="saving" @click="submit" data-test="request-submit">{{ $t('self.form.submit') }}</el-button>
  </el-form>
</el-drawer>`,
};
