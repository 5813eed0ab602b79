// Compute and lock, shared by the pay run list and a pay run's page. Locking is irreversible: a confirm first;
// a 409 listing warnings opens the warnings dialog (LockDialog), whose "lock anyway" sends their codes.
import { ElMessage, ElMessageBox } from "element-plus";
import { reactive } from "vue";
import { computePayRun, lockPayRun } from "../api/payruns.js";
import { i18n } from "../i18n.js";
import { showError } from "./notify.js";

// What the lock dialog shows: the run, the warnings to acknowledge, or the lock's answer to keep.
export const lockState = reactive({ run: null, warnings: [], result: null, busy: false });

export function scopeText(scope) {
  return scope === "all" ? i18n.global.t("payruns.scopeAll") : scope;
}

// Compute (again); returns the run as the API answered it (its `changes` are the recompute's), or null.
export async function compute(run) {
  try {
    const computed = await computePayRun(run.id);
    ElMessage({ type: "success", message: i18n.global.t("payruns.computed"), grouping: true });
    return computed;
  } catch (error) {
    showError(error);
    return null;
  }
}

async function sendLock(run, acknowledge) {
  lockState.busy = true;
  try {
    lockState.result = await lockPayRun(run.id, acknowledge);
    lockState.warnings = [];
  } catch (error) {
    const warnings = error.status === 409 && error.problem && error.problem.warnings;
    if (warnings && warnings.length) lockState.warnings = warnings;
    else {
      lockState.run = null;
      showError(error);
    }
  } finally {
    lockState.busy = false;
  }
}

// Ask, then lock; the dialog takes it from there. Resolves once the first answer is in.
export async function startLock(run) {
  const t = i18n.global.t;
  try {
    await ElMessageBox.confirm(t("payruns.lockConfirm", { period: run.period, scope: scopeText(run.scope) }), t("payruns.lockConfirmTitle"), {
      type: "warning",
      confirmButtonText: t("payruns.lock"),
      cancelButtonText: t("common.cancel"),
    });
  } catch {
    return;
  }
  Object.assign(lockState, { run, warnings: [], result: null });
  await sendLock(run, []);
}

// "Lock anyway, I have checked these": every listed warning's code is acknowledged.
export const lockAnyway = () => sendLock(lockState.run, lockState.warnings.map((w) => w.code));

export function closeLock() {
  Object.assign(lockState, { run: null, warnings: [], result: null });
}
