// Choose an employee by code or name: a select that asks the API as the clerk types (code, name and office shown).
import { onMounted, ref } from "vue";
import { listEmployees } from "../api/employees.js";
import { showError } from "./notify.js";

export default {
  props: { modelValue: { type: String, default: "" } },
  emits: ["update:modelValue"],
  setup(props) {
    const options = ref([]);
    const loading = ref(false);

    async function search(text) {
      loading.value = true;
      try {
        options.value = (await listEmployees({ q: text.trim(), limit: 20 })).items;
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    // A code given from outside (the address, a preset) shows with its name.
    onMounted(() => props.modelValue && search(props.modelValue));
    return { options, loading, search };
  },
  template: `
<el-select :model-value="modelValue" filterable remote :remote-method="search" :loading="loading" clearable
  :placeholder="$t('employees.pickHint')" class="employee-picker" @update:model-value="$emit('update:modelValue', $event || '')" @visible-change="(open) => open && !options.length && search('')">
  <el-option v-for="e in options" :key="e.code" :value="e.code" :label="e.code + ' ' + e.name">
    <span>{{ e.code }} {{ e.name }}</span><span class="muted option-note">{{ e.office }}</span>
  </el-option>
</el-select>`,
};
