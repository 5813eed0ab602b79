// The one place the web app turns numbers and times into text: yuan from integer fen, times in an office's
// time zone, hours from minutes, rates from the API's exact decimal strings. Pure functions (no Vue, no DOM),
// so tests/api/test_web_page.py runs them under Node against the exports' own formatting.

const FEN_PER_YUAN = 100n;

// Integer fen → yuan with two decimals and thousands separators: 1234567 → "12,345.67", -5 → "-0.05".
// Integer arithmetic only (BigInt): a float division would turn 0.29 yuan into 0.28999… somewhere. A number
// that is not an exact integer is refused rather than shown wrong (JSON numbers above 2^53 lost digits).
export function yuan(fen) {
  if (typeof fen === "number" && !Number.isSafeInteger(fen)) {
    throw new RangeError(`not an exact integer number of fen: ${fen}`);
  }
  if (typeof fen !== "number" && typeof fen !== "bigint") {
    throw new TypeError(`fen must be an integer number, got ${fen === null ? "null" : typeof fen}: ${fen}`);
  }
  const value = BigInt(fen);
  const magnitude = value < 0n ? -value : value;
  const whole = String(magnitude / FEN_PER_YUAN).replace(/\B(?=(\d{3})+$)/g, ",");
  const cents = String(magnitude % FEN_PER_YUAN).padStart(2, "0");
  return `${value < 0n ? "-" : ""}${whole}.${cents}`;
}

// Yuan as a person types it ("6000", "6,000.5", "34.48") → integer fen (600000, 600050, 3448), from its digits
// alone (never through a float); null when it is not a non-negative amount with at most two decimals.
export function fenOf(text) {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(String(text ?? "").trim().replace(/,/g, ""));
  if (!match) return null;
  return Number(BigInt(match[1]) * FEN_PER_YUAN + BigInt((match[2] || "").padEnd(2, "0")));
}

// Integer fen as yuan to edit in a field: yuan() without the thousands separators (600050 → "6000.50").
export const yuanInput = (fen) => (fen === null || fen === undefined ? "" : yuan(fen).replace(/,/g, ""));

// a ÷ b rounded half away from zero, in integers (b > 0): the rounding payroll_core.money uses for fen.
export function divRound(a, b) {
  const [n, d] = [BigInt(a), BigInt(b)];
  const q = (2n * (n < 0n ? -n : n) + d) / (2n * d);
  return n < 0n ? -q : q;
}

// An exact decimal string ("21.75", "0.08", "1.5") as a fraction of BigInts [numerator, denominator].
export function parseDecimal(text) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
  if (!match) throw new RangeError(`not a decimal number: ${text}`);
  const decimals = match[3] || "";
  const numerator = BigInt(match[2] + decimals) * (match[1] ? -1n : 1n);
  return [numerator, 10n ** BigInt(decimals.length)];
}

// A fraction shown as people write it: "11/10" or [11n, 10n] → "1.1"; one that has no short decimal stays "1/3".
export function ratio(value) {
  const [num, den] = Array.isArray(value) ? value.map(BigInt) : String(value).split("/").map((v) => BigInt(v));
  if (den === undefined) return String(num);
  for (let places = 0n; places <= 6n; places += 1n) {
    const scaled = num * 10n ** places;
    if (scaled % den === 0n) return decimalText(scaled / den, places);
  }
  return `${num}/${den}`;
}

function decimalText(scaled, places) {
  const negative = scaled < 0n;
  const digits = String(negative ? -scaled : scaled).padStart(Number(places) + 1, "0");
  const cut = digits.length - Number(places);
  const text = places > 0n ? `${digits.slice(0, cut)}.${digits.slice(cut)}`.replace(/\.?0+$/, "") : digits;
  return (negative ? "-" : "") + text;
}

// A rate given as an exact decimal string → percent text: "0.08" → "8", "0.005" → "0.5", "0.12" → "12".
export function percent(rate) {
  const [num, den] = parseDecimal(rate);
  return ratio([num * 100n, den]);
}

// Basis points (1/10,000) → percent text with two decimals: 1234 → "12.34".
export function percentOfBp(bp) {
  const value = BigInt(bp);
  const magnitude = value < 0n ? -value : value;
  return `${value < 0n ? "-" : ""}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, "0")}`;
}

// Minutes → whole hours and minutes, and the exact decimal hours when there is one with at most two places
// (1050 → {hours: 17, minutes: 30, decimal: "17.5"}; 20 → {hours: 0, minutes: 20, decimal: null}).
export function duration(minutes) {
  const total = Number(minutes);
  const decimal = (total * 100) % 60 === 0 ? ratio([BigInt(total), 60n]) : null;
  return { hours: Math.trunc(total / 60), minutes: total % 60, decimal };
}

const PARTS_CACHE = new Map();

function partsIn(timeZone) {
  if (!PARTS_CACHE.has(timeZone)) {
    PARTS_CACHE.set(
      timeZone,
      new Intl.DateTimeFormat("en-CA", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }),
    );
  }
  return PARTS_CACHE.get(timeZone);
}

function zoned(value, timeZone) {
  const when = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(when.getTime())) throw new RangeError(`not a time: ${value}`);
  const parts = Object.fromEntries(partsIn(timeZone).formatToParts(when).map((p) => [p.type, p.value]));
  return parts;
}

// A time with an offset (the API's UtcOut, "2026-03-02T00:00:00Z") shown in an office's zone: "2026-03-02 08:00".
// null and undefined become "" (a time not yet set).
export function dateTime(value, timeZone) {
  if (value === null || value === undefined || value === "") return "";
  const p = zoned(value, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// A local time without offset as the terminal recorded it ("2026-03-02T08:00:05") → "2026-03-02 08:00": it is
// already the office's wall clock, so no zone is applied.
export function localDateTime(value) {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(String(value ?? ""));
  return match ? `${match[1]} ${match[2]}` : "";
}

// An office's wall-clock time ("2026-03-02", "08:30") as the UTC instant the API takes ("2026-03-02T00:30:00Z"):
// the zone's offset at that moment, found from Intl (twice, so a day the offset changes lands right).
export function utcOf(day, time, timeZone) {
  const wall = Date.parse(`${day}T${time}:00Z`);
  if (Number.isNaN(wall)) throw new RangeError(`not a date and time: ${day} ${time}`);
  let guess = wall;
  for (let i = 0; i < 2; i += 1) {
    const p = zoned(new Date(guess), timeZone);
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    guess += wall - shown;
  }
  return new Date(guess).toISOString().replace(/\.\d{3}Z$/, "Z");
}
