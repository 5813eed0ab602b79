// "Why is my pay this?": each payslip line's plain-language explanation with the actual numbers, built from the
// line's quantities and the payslip's inputs (payroll_core/lines.py says what each line carries). Pure: `t` is
// the catalogue's translate function, so tests can run these under Node with either catalogue.
//
// Rates the kernel applied but did not list as quantities (the month's pay days, the hours of a working day, the
// leave multiplier) are read from the line's rule text; when a rule reads differently the short wording is used,
// never a guessed figure. Every result shown is the line's own amount, never recomputed here.
import { divRound, duration, parseDecimal, percent, ratio, yuan } from "./format.js";

const PIECE_BASIS = 2; // payroll_core.pay.PIECE
const HOURLY_BASIS = 1; // payroll_core.pay.HOURLY
const EMPLOYER = /_EMPLOYER$/;
const CONTRIBUTION = /^(PENSION|MEDICAL|UNEMPLOYMENT|INJURY|MATERNITY|HOUSING_FUND)_EMPLOYEE$/;

// "monthly ÷ 21.75 ÷ 8 ÷ 60 × minutes × 1.5" → ["21.75", "8"]
const PAY_DAYS_AND_HOURS = /÷ (\d+(?:\.\d+)?) ÷ (\d+(?:\.\d+)?) ÷ 60/;
// "monthly × (absent_days + absent_half_days ÷ 2) ÷ 21.75, …" → "21.75"
const ABSENCE_PAY_DAYS = /\) ÷ (\d+(?:\.\d+)?)/;
// "leave base ÷ 21.75 × 2 × unused days …" → ["21.75", "2"]
const LEAVE_DAYS_AND_MULTIPLIER = /÷ (\d+(?:\.\d+)?) × (\d+(?:\.\d+)?) ×/;

// Minutes as hours people read: "17.5 小时", else "17 小时 20 分钟", or "20 分钟".
export function durationText(minutes, t) {
  const d = duration(minutes);
  if (d.decimal !== null) return t("units.hours", { n: d.decimal });
  if (d.hours === 0) return t("units.minutes", { n: d.minutes });
  return t("units.hoursMinutes", { h: d.hours, m: d.minutes });
}

// A terminal's clock offset in seconds, signed: "+8 小时", "−45 秒".
export function offsetText(seconds, t) {
  const magnitude = Math.abs(seconds);
  const sign = seconds < 0 ? "−" : "+";
  return sign + (magnitude >= 60 ? durationText(Math.round(magnitude / 60), t) : t("units.seconds", { n: magnitude }));
}

// The order a payslip lists attendance in: days, then lateness, then hours.
export const ATTENDANCE_ORDER = [
  "scheduled_days",
  "employed_days",
  "worked_days",
  "absent_days",
  "absent_half_days",
  "late_minutes",
  "early_minutes",
  "missing_punches",
  "worked_minutes",
  "ot_workday_minutes",
  "ot_restday_minutes",
  "ot_holiday_minutes",
];
const COUNTED_IN_MINUTES = new Set(["late_minutes", "early_minutes"]);

// Minutes as "1 小时 35 分钟" (or "20 分钟"), never as decimal hours: how lateness is told.
function hoursAndMinutes(minutes, t) {
  const d = duration(minutes);
  if (d.hours === 0) return t("units.minutes", { n: d.minutes });
  return d.minutes ? t("units.hoursMinutes", { h: d.hours, m: d.minutes }) : t("units.hours", { n: d.hours });
}

// One attendance figure with its unit (lateness in hours and minutes, "0 分钟" rather than "0 小时").
export function attendanceText(key, value, t) {
  if (COUNTED_IN_MINUTES.has(key)) return hoursAndMinutes(value, t);
  if (key.endsWith("_minutes")) return durationText(value, t);
  if (key === "absent_half_days" || key === "missing_punches") return t("units.times", { n: value });
  return t("units.days", { n: value });
}

// fen ÷ (a decimal string, optionally × more decimal strings), rounded to the fen: the hourly rate shown.
function perUnit(fen, ...divisors) {
  let [num, den] = [BigInt(fen), 1n];
  for (const divisor of divisors) {
    const [n, d] = parseDecimal(divisor);
    num *= d;
    den *= n;
  }
  return yuan(divRound(num, den));
}

const amountOf = (line) => yuan(line.amount_fen < 0 ? -line.amount_fen : line.amount_fen);

function overtime(line, slip, t) {
  const q = line.quantities;
  const kind = t(`explain.otKind.${line.code}`);
  const hours = durationText(q.minutes, t);
  const values = { kind, hours, multiplier: q.multiplier, amount: amountOf(line) };
  const basis = slip.inputs.pay_basis;
  if (basis === PIECE_BASIS) return t("explain.overtimePiece", values);
  if (basis === HOURLY_BASIS) return t("explain.overtime", { ...values, rate: yuan(slip.inputs.hourly_rate_fen) });
  const rule = PAY_DAYS_AND_HOURS.exec(line.rule);
  if (!rule) return t("explain.overtimeShort", values);
  const salary = slip.inputs.monthly_salary_fen;
  return t("explain.overtimeMonthly", {
    ...values,
    rate: perUnit(salary, rule[1], rule[2]),
    salary: yuan(salary),
    payDays: rule[1],
    hoursPerDay: rule[2],
  });
}

function basePay(line, slip, t) {
  const q = line.quantities;
  if (q.hourly_rate_fen !== undefined) {
    return t("explain.baseHourly", {
      rate: yuan(q.hourly_rate_fen),
      hours: durationText(q.worked_minutes, t),
      amount: amountOf(line),
    });
  }
  if (q.employed_days === q.scheduled_days) return t("explain.baseFull", { salary: yuan(q.monthly_salary_fen) });
  return t("explain.basePart", {
    salary: yuan(q.monthly_salary_fen),
    employed: q.employed_days,
    scheduled: q.scheduled_days,
    amount: amountOf(line),
  });
}

function absence(line, slip, t) {
  const q = line.quantities;
  const days = ratio([BigInt(2 * q.absent_days + q.absent_half_days), 2n]);
  const rule = ABSENCE_PAY_DAYS.exec(line.rule);
  if (!rule) return t("explain.absenceShort", { days, amount: amountOf(line) });
  return t("explain.absence", {
    daily: perUnit(q.monthly_salary_fen, rule[1]),
    salary: yuan(q.monthly_salary_fen),
    payDays: rule[1],
    days,
    amount: amountOf(line),
  });
}

function late(line, slip, t) {
  const q = line.quantities;
  const values = {
    late: q.late_minutes,
    grace: q.grace_minutes,
    charged: Math.max(0, q.late_minutes - q.grace_minutes),
    amount: amountOf(line),
  };
  const rule = PAY_DAYS_AND_HOURS.exec(line.rule);
  if (!rule) return t("explain.lateShort", values);
  return t("explain.late", {
    ...values,
    perMinute: perUnit(slip.inputs.monthly_salary_fen, rule[1], rule[2], "60"),
    payDays: rule[1],
    hoursPerDay: rule[2],
  });
}

function piece(line, slip, t) {
  const q = line.quantities;
  const values = {
    qty: q.qty,
    rejects: q.rejects,
    unit: yuan(q.unit_fen),
    coef: ratio(q.grade_coef),
    amount: amountOf(line),
  };
  if (q.quota > 0) return t("explain.pieceQuota", { ...values, quota: q.quota, unitAbove: yuan(q.unit_above_fen) });
  return t("explain.piece", values);
}

function leave(line, slip, t) {
  const q = line.quantities;
  const rule = LEAVE_DAYS_AND_MULTIPLIER.exec(line.rule);
  if (!rule) return t("explain.leaveShort", { days: q.leave_days_unused, amount: amountOf(line) });
  return t("explain.leave", {
    days: q.leave_days_unused,
    daily: perUnit(q.leave_base_fen, rule[1]),
    base: yuan(q.leave_base_fen),
    payDays: rule[1],
    multiplier: rule[2],
    amount: amountOf(line),
  });
}

function contribution(line, slip, t) {
  const q = line.quantities;
  const values = { base: yuan(q.base_fen), rate: percent(q.rate), amount: amountOf(line) };
  if (q.fixed_fen) return t("explain.contributionFixed", { ...values, fixed: yuan(q.fixed_fen) });
  return t("explain.contribution", values);
}

function incomeTax(line, slip, t) {
  const q = line.quantities;
  if (line.amount_fen === 0 && q.tax_cumulative_fen === 0) {
    return t("explain.iitNone", { taxable: yuan(q.taxable_cumulative_fen) });
  }
  return t("explain.iit", {
    months: q.months,
    taxable: yuan(q.taxable_cumulative_fen),
    tax: yuan(q.tax_cumulative_fen),
    withheld: yuan(q.ytd_tax_withheld_fen),
    amount: amountOf(line),
  });
}

function net(line, slip, t) {
  const f = slip.figures;
  const values = {
    gross: yuan(f.gross_fen),
    si: yuan(f.si_employee_fen),
    hf: yuan(f.hf_employee_fen),
    iit: yuan(f.iit_fen),
    amount: yuan(line.amount_fen),
  };
  const others = (f.bonus_tax_fen ?? 0) + (f.severance_tax_fen ?? 0) + (f.damages_deducted_fen ?? 0);
  if (others === 0) return t("explain.net", values);
  return t("explain.netWithOthers", { ...values, others: yuan(others) });
}

function bonus(line, slip, t) {
  const q = line.quantities;
  const amount = amountOf(line);
  if (!q.taxed_separately && q.separate_already_used) return t("explain.bonusUsed", { amount });
  return t(q.taxed_separately ? "explain.bonusSeparate" : "explain.bonusCombined", {
    amount,
    who: t(q.chosen_by_hr ? "explain.bonusWho.hr" : "explain.bonusWho.recommended"),
    separate: yuan(q.year_tax_separate_fen),
    combined: yuan(q.year_tax_combined_fen),
    recommended: t(q.recommended_separately ? "explain.bonusWay.separate" : "explain.bonusWay.combined"),
  });
}

// Half months of service as months people read: 13 → "6.5".
function halfMonths(half) {
  return `${Math.floor(half / 2)}${half % 2 ? ".5" : ""}`;
}

function severance(line, slip, t) {
  const q = line.quantities;
  const wage = yuan(q.monthly_wage_fen);
  const amount = amountOf(line);
  if (q.wage_cap_fen > 0 && q.monthly_wage_fen > q.wage_cap_fen) {
    const months = halfMonths(Math.min(q.half_months, 2 * q.capped_years));
    const values = { wage, cap: yuan(q.wage_cap_fen), service: halfMonths(q.half_months), months, amount };
    return t("explain.severanceCapped", { ...values, years: q.capped_years });
  }
  return t("explain.severance", { wage, months: halfMonths(q.half_months), amount });
}

function damages(line, slip, t) {
  const q = line.quantities;
  const values = { requested: yuan(q.requested_fen), limit: yuan(q.limit_fen), amount: amountOf(line) };
  return t(q.exceeds_limit ? "explain.damagesOver" : "explain.damages", values);
}

function housingFundTax(line, slip, t) {
  const q = line.quantities;
  const range = q.legal_range.split("..").map((rate) => `${percent(rate)}%`).join("–");
  const parts = [];
  if (q.employee_excess_fen || q.employer_excess_fen) {
    const rate = `${percent(q.deductible_rate)}%`;
    const values = { rate, employee: yuan(q.employee_excess_fen), employer: yuan(q.employer_excess_fen) };
    parts.push(t("explain.housingFundTax", values));
  }
  if (q.rate_outside_legal_range) parts.push(t("explain.housingFundRate", { range }));
  return parts.join(t("explain.sentenceJoin"));
}

const EXPLAIN = {
  BASE_PAY: basePay,
  ABSENCE: absence,
  LATE: late,
  PIECE: piece,
  OT_WORKDAY: overtime,
  OT_RESTDAY: overtime,
  OT_HOLIDAY: overtime,
  ALLOWANCES: (line, slip, t) => t("explain.allowances"),
  NIGHT_ALLOWANCE: (line, slip, t) => t("explain.nightAllowance"),
  ANNUAL_LEAVE_PAY: leave,
  MIN_WAGE_TOP_UP: (line, slip, t) =>
    t("explain.minWage", {
      minimum: yuan(line.quantities.minimum_wage_fen),
      from: line.quantities.minimum_wage_from,
      floor: yuan(line.quantities.floor_fen),
      shortfall: yuan(line.quantities.shortfall_fen),
    }),
  GROSS: (line, slip, t) => t("explain.gross"),
  IIT: incomeTax,
  BONUS: bonus,
  BONUS_TAX: (line, slip, t) => t("explain.bonusTax", { bonus: yuan(line.quantities.bonus_fen), amount: amountOf(line) }),
  SEVERANCE: severance,
  SEVERANCE_TAX: (line, slip, t) =>
    t("explain.severanceTax", {
      severance: yuan(line.quantities.severance_fen),
      exempt: yuan(line.quantities.exempt_fen),
      amount: amountOf(line),
    }),
  DAMAGES: damages,
  HOUSING_FUND_TAX: housingFundTax,
  NET: net,
};

// The explanation of one line of `slip` (a PayslipOut), or "" for a code this page does not know.
export function explainLine(line, slip, t) {
  if (EXPLAIN[line.code]) return EXPLAIN[line.code](line, slip, t);
  if (CONTRIBUTION.test(line.code)) return contribution(line, slip, t);
  if (EMPLOYER.test(line.code)) return t("explain.employer", { rate: percent(line.quantities.rate) });
  return "";
}

// The payslip's lines in two groups: the employee's pay (down to NET), and the employer's contributions.
export function splitLines(lines) {
  return {
    pay: lines.filter((line) => !EMPLOYER.test(line.code)),
    employer: lines.filter((line) => EMPLOYER.test(line.code)),
  };
}

// The label of a line code; an unknown code shows as it is rather than vanishing.
export function lineName(code, t, te) {
  return te(`lines.${code}`) ? t(`lines.${code}`) : code;
}
