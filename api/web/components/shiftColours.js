// A colour per shift that stays the same from month to month and screen to screen: the shift's place in its
// office's shift file (the roster API lists them in file order), so two shifts of one office never share a
// colour until there are more shifts than colours. Pale backgrounds with dark text, readable when printed.
const PALETTE = [
  { bg: "#d9ecff", fg: "#1d4f91" },
  { bg: "#fde2c8", fg: "#8a4a0b" },
  { bg: "#d7f2dd", fg: "#1f6b33" },
  { bg: "#ead9fb", fg: "#5b2a8c" },
  { bg: "#fbd9e4", fg: "#8c1f45" },
  { bg: "#d3f1f1", fg: "#155f62" },
  { bg: "#f6efc4", fg: "#6b5a0e" },
  { bg: "#e3e6ea", fg: "#34404d" },
];

// { shiftName: { bg, fg } } for the office's shifts, in the order the API gives them.
export function shiftColours(shifts) {
  return Object.fromEntries(shifts.map((s, i) => [s.name, PALETTE[i % PALETTE.length]]));
}
