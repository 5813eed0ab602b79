// The 422 of POST /onboarding as field errors: each `errors` line is "field: message" (the service's own checks)
// or "body field X: message" (the request's shape); a line naming a form field goes under that field, the rest
// above the form. The API's field names map to the form's (amounts are typed in yuan, sent as fen).
const FORM_FIELD = {
  monthly_salary_fen: "salary",
  hourly_rate_fen: "hourly",
  probation_salary_fen: "probation_salary",
};

export function fieldErrors(lines, formFields) {
  const fields = {};
  const general = [];
  for (const line of lines) {
    const match = /^(?:body field )?([a-z_]+): (.+)$/s.exec(line);
    const field = match && (FORM_FIELD[match[1]] || match[1]);
    if (field && formFields.includes(field)) fields[field] = fields[field] ? `${fields[field]}; ${match[2]}` : match[2];
    else general.push(line);
  }
  return { fields, general };
}

// Text onto the clipboard: the Clipboard API where the page may use it (HTTPS, localhost), else a hidden
// textarea and the older copy command (a gateway served over plain HTTP on the LAN).
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
}
