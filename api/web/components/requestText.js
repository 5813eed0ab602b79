// How a request reads on screen, from the API's fields (times are the office's wall clock with its offset):
// its kind, its window (a whole-day leave shows its last day, not the exclusive end; half days say 上午/下午), its
// amount in the leave type's unit (`request.unit`), its step. The employee's and the approvers' screens say a
// request the same way.
import { durationText } from "../explain.js";
import { yuan } from "../format.js";

const dayOf = (iso) => iso.slice(0, 10);
const clockOf = (iso) => iso.slice(11, 16);

function dayBefore(day) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

// The days a request touches, first and last (YYYY-MM-DD): what the calendar beside it marks.
export function daysOf(request) {
  const first = dayOf(request.starts_at);
  const end = request.ends_at;
  const last = request.kind === "correction" ? first : clockOf(end) === "00:00" ? dayBefore(dayOf(end)) : dayOf(end);
  return { first, last: last < first ? first : last };
}

export function kindText(request, t, te) {
  if (request.kind === "leave") {
    const key = `requests.leaveTypes.${request.leave_type}`;
    return te(key) ? t(key) : request.leave_type;
  }
  if (request.kind === "overtime") return t(`requests.overtimeComp.${request.comp}`);
  if (request.kind === "correction") return t(`requests.correctionDirection.${request.direction}`);
  if (request.kind === "resignation") return t("settlement.kind");
  if (request.kind === "change") return t(`requests.changeTypes.${request.change.change_type}`);
  return t("requests.kinds.trip");
}

// Who a pending request waits for; the outcome of a decided one.
export function stateText(request, t) {
  if (request.status !== "pending") return t(`requests.status.${request.status}`);
  return request.step === 1 ? t("requests.waitsManager") : t("requests.waitsHr");
}

export const STATUS_TYPES = { pending: "warning", approved: "success", rejected: "danger", withdrawn: "info" };

// An audit actor ("manager:user:li.na", "hr:payroll-pc") as "li.na (部门负责人)"; anything else as it is.
export function actorText(actor, t, te) {
  const match = /^(\w+):(?:user:)?(.+)$/.exec(actor);
  if (!match || !te(`user.role.${match[1]}`)) return actor;
  return t("requests.actorText", { name: match[2], role: t(`user.role.${match[1]}`) });
}

// A count of the leave unit's steps (days, half days or minutes) as people say it.
export function stepsText(steps, unit, t) {
  const sign = steps < 0 ? "-" : "";
  const size = Math.abs(steps);
  if (unit === "hour") return sign + durationText(size, t);
  if (unit === "half_day") return t("units.days", { n: `${sign}${Math.floor(size / 2)}${size % 2 ? ".5" : ""}` });
  return t("units.days", { n: steps });
}

export function whenText(r, t) {
  const unit = r.unit;
  if (r.kind === "change") return t("change.fromDay", { day: r.change.effective_from });
  if (r.kind === "correction") return `${dayOf(r.starts_at)} ${clockOf(r.starts_at)}`;
  if (r.kind === "resignation") return t("settlement.lastDayText", { day: dayOf(r.starts_at) });
  if (r.kind === "overtime" || (r.kind === "leave" && unit === "hour")) {
    const end = dayOf(r.ends_at) === dayOf(r.starts_at) ? clockOf(r.ends_at) : t("self.when.nextDay", { time: clockOf(r.ends_at) });
    return `${dayOf(r.starts_at)} ${clockOf(r.starts_at)}–${end}`;
  }
  const last = clockOf(r.ends_at) === "00:00" ? dayBefore(dayOf(r.ends_at)) : dayOf(r.ends_at);
  const wholeDays = clockOf(r.starts_at) === "00:00" && clockOf(r.ends_at) === "00:00";
  if (r.kind === "leave" && unit === "half_day" && !wholeDays) {
    const from = `${dayOf(r.starts_at)} ${t(clockOf(r.starts_at) === "12:00" ? "self.form.pm" : "self.form.am")}`;
    const to = `${last} ${t(clockOf(r.ends_at) === "12:00" ? "self.form.am" : "self.form.pm")}`;
    return from === to ? from : t("self.when.range", { from, to });
  }
  return last === dayOf(r.starts_at) ? last : t("self.when.range", { from: dayOf(r.starts_at), to: last });
}

// One dated-terms value as people read it: yuan with two decimals, the pay basis by name, "—" for none.
export function termText(field, value, t) {
  if (value === null || value === undefined || value === "") return "—";
  if (field.endsWith("_fen")) return yuan(value);
  if (field === "pay_basis") return t("employees.basis." + value);
  return String(value);
}

// A change's terms, field by field: [{ field, label, old, new }] (old: in force the day before it takes effect).
export function changeRows(r, t) {
  const { terms, current = {} } = r.change;
  return Object.keys(terms).map((field) => ({
    field, label: t("terms.fields." + field), old: termText(field, current[field], t), new: termText(field, terms[field], t),
  }));
}

// A 补卡 has no amount: "". A change reads as its terms, "月薪 6,000.00 → 9,500.00".
export function amountText(r, t) {
  if (r.kind === "change") return changeRows(r, t).map((row) => `${row.label} ${row.old} → ${row.new}`).join(" · ");
  if (r.kind === "leave") return stepsText(r.amount, r.unit, t);
  if (r.kind === "overtime") return durationText(r.amount, t);
  if (r.kind === "trip") return t("units.days", { n: r.amount });
  return "";
}

// The four cells every request list and drawer shows, bound to the screen's translators: one place, not a copy per view.
export function requestCells(t, te) {
  return {
    kind: (r) => kindText(r, t, te),
    span: (r) => whenText(r, t),
    amount: (r) => amountText(r, t),
    state: (r) => stateText(r, t),
  };
}
