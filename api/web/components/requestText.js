// How a request's time and amount read: a range of days (with morning or afternoon for half
// days), a day with a time window, a length in days or hours. The API's times are the office's wall clock with its offset, so the date and
// time are read from the text as they are; an end at 00:00 is the end of the day before.
import { addDays } from "./RequestForm.js";
import { durationText } from "../explain.js";

const day = (at) => at.slice(0, 10);
const time = (at) => at.slice(11, 16);

// A count of the leave unit's steps (days, half days or minutes) as people say it.
export function stepsText(steps, unit, t) {
  const sign = steps < 0 ? "-" : "";
  const size = Math.abs(steps);
  if (unit === "hour") return sign + durationText(size, t);
  if (unit === "half_day") return t("units.days", { n: `${sign}${Math.floor(size / 2)}${size % 2 ? ".5" : ""}` });
  return t("units.days", { n: steps });
}

export function requestWhen(r, unit, t) {
  if (r.kind === "correction") return `${day(r.starts_at)} ${time(r.starts_at)}`;
  if (r.kind === "overtime" || (r.kind === "leave" && unit === "hour")) {
    const end = day(r.ends_at) === day(r.starts_at) ? time(r.ends_at) : t("self.when.nextDay", { time: time(r.ends_at) });
    return `${day(r.starts_at)} ${time(r.starts_at)}–${end}`;
  }
  const last = time(r.ends_at) === "00:00" ? addDays(day(r.ends_at), -1) : day(r.ends_at);
  if (r.kind === "leave" && unit === "half_day") {
    const from = `${day(r.starts_at)} ${t(time(r.starts_at) === "12:00" ? "self.form.pm" : "self.form.am")}`;
    const to = `${last} ${t(time(r.ends_at) === "12:00" ? "self.form.am" : "self.form.pm")}`;
    return t("self.when.range", { from, to });
  }
  return last === day(r.starts_at) ? last : t("self.when.range", { from: day(r.starts_at), to: last });
}

export function requestAmount(r, unit, t) {
  if (r.kind === "leave") return stepsText(r.amount, unit, t);
  if (r.kind === "overtime") return durationText(r.amount, t);
  if (r.kind === "trip") return t("units.days", { n: r.amount });
  return "";
}
