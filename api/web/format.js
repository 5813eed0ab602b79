// Pure formatting for the HR page: yuan from integer fen, payslip quantities, problem+json messages.
// No DOM here, so tests/api/test_web_page.py can run these functions under Node.
"use strict";

const FEN_PER_YUAN = 100n;

// Integer fen → yuan text with exactly two decimals ("12345.67", "-0.05"), the same text as the
// exports and the CLI (gateway.exports.fen_to_yuan). Integer arithmetic only: a float division
// would turn 0.29 yuan into 0.28999… somewhere. A fen value that is not an exact integer is refused
// rather than shown wrong (JSON numbers above 2^53 have already lost their last digits).
function yuan(fen) {
  if (typeof fen === "number" && !Number.isSafeInteger(fen)) {
    throw new RangeError(`not an exact integer number of fen: ${fen}`);
  }
  if (typeof fen !== "number" && typeof fen !== "bigint") {
    throw new TypeError(`fen must be an integer number, got ${typeof fen}: ${fen}`);
  }
  const value = BigInt(fen);
  const magnitude = value < 0n ? -value : value;
  const rest = String(magnitude % FEN_PER_YUAN).padStart(2, "0");
  return `${value < 0n ? "-" : ""}${magnitude / FEN_PER_YUAN}.${rest}`;
}

// A field or quantity named `…_fen` holds money: shown in yuan under its name without the suffix.
function namedValue(name, value) {
  if (name.endsWith("_fen") && (typeof value === "number" || typeof value === "bigint")) {
    return [name.slice(0, -"_fen".length), yuan(value)];
  }
  return [name, value === null || value === undefined ? "—" : String(value)];
}

// A payslip line's quantities, e.g. {monthly_salary_fen: 2160000, employed_days: 18} →
// "monthly_salary 21600.00 · employed_days 18".
function quantitiesText(quantities) {
  return Object.entries(quantities).map(([name, value]) => namedValue(name, value).join(" ")).join(" · ");
}

// An RFC 9457 problem document (what every API error is) → "title (status): detail". The detail of a
// validation error already names every invalid field, so its `errors` list is not repeated.
// Anything else (a proxy's HTML page, an empty body) still says which status came back.
function problemText(status, body) {
  if (!body || typeof body !== "object" || typeof body.title !== "string") {
    return `HTTP ${status}: the server answered without a problem description (is a proxy in the way?)`;
  }
  return body.detail ? `${body.title} (${status}): ${body.detail}` : `${body.title} (${status})`;
}

if (typeof module !== "undefined") module.exports = { yuan, namedValue, quantitiesText, problemText };
