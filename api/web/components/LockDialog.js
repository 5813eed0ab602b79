// The lock's two answers: the warnings to check (with "lock anyway"), and the locked run's digest and audit anchor.
import { computed, ref, watch } from "vue";
import { dateTime } from "../format.js";
import { zoneOf } from "../zones.js";
import { closeLock, lockAnyway, lockState } from "./payRunActions.js";

const SHOWN_ITEMS = 30;

export default {
  emits: ["locked"],
  setup(props, { emit }) {
    const checked = ref(false);
    const open = computed(() => lockState.run !== null && (lockState.warnings.length > 0 || lockState.result !== null));
    watch(
      () => lockState.warnings,
      () => {
        checked.value = false;
      },
    );
    watch(
      () => lockState.result,
      (result) => result && emit("locked", result),
    );
    const shown = (items) => items.slice(0, SHOWN_ITEMS);
    const anchorAt = computed(() =>
      lockState.result && lockState.result.anchor ? dateTime(lockState.result.anchor.at, zoneOf(lockState.result.scope)) : "",
    );
    return { lockState, open, checked, shown, SHOWN_ITEMS, anchorAt, lockAnyway, closeLock };
  },
  template: `
<el-dialog :model-value="open" width="min(640px, 94vw)" :title="lockState.result ? $t('payruns.lockedTitle') : $t('payruns.warningsTitle')" @close="closeLock" data-test="lock-dialog">
  <template v-if="!lockState.result">
    <p>{{ $t('payruns.warningsIntro') }}</p>
    <div v-for="warning in lockState.warnings" :key="warning.code" class="lock-warning" :data-warning="warning.code">
      <el-alert type="warning" :title="$t('warnings.' + warning.code + '.title')" :description="$t('warnings.' + warning.code + '.hint')" :closable="false" show-icon />
      <div class="warning-items">
        <el-tag v-for="item in shown(warning.items)" :key="item" size="small" effect="plain">{{ item }}</el-tag>
        <span v-if="warning.items.length > SHOWN_ITEMS" class="muted">{{ $t('common.andMore', { n: warning.items.length }) }}</span>
      </div>
    </div>
    <el-checkbox v-model="checked" data-test="acknowledge">{{ $t('payruns.acknowledge') }}</el-checkbox>
  </template>
  <template v-else>
    <el-alert type="success" :title="$t('payruns.lockedIntro')" :closable="false" show-icon />
    <el-descriptions :column="1" border class="block" data-test="lock-result">
      <el-descriptions-item :label="$t('payruns.digest')"><code class="digest">{{ lockState.result.digest }}</code></el-descriptions-item>
      <template v-if="lockState.result.anchor">
        <el-descriptions-item :label="$t('payruns.anchorSeq')">{{ lockState.result.anchor.seq }}</el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.anchorHead')"><code class="digest">{{ lockState.result.anchor.head }}</code></el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.anchorAt')">{{ anchorAt }}</el-descriptions-item>
      </template>
      <el-descriptions-item v-if="lockState.result.acknowledged.length" :label="$t('payruns.acknowledged')">
        <div v-for="w in lockState.result.acknowledged" :key="w.code">{{ $t('warnings.' + w.code + '.title') }}</div>
      </el-descriptions-item>
    </el-descriptions>
  </template>
  <template #footer>
    <template v-if="!lockState.result">
      <el-button @click="closeLock">{{ $t('common.cancel') }}</el-button>
      <el-button type="danger" :disabled="!checked" :loading="lockState.busy" @click="lockAnyway" data-test="lock-anyway">{{ $t('payruns.lockAnyway') }}</el-button>
    </template>
    <el-button v-else type="primary" @click="closeLock">{{ $t('common.close') }}</el-button>
  </template>
</el-dialog>`,
};
