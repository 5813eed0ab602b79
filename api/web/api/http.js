// fetch() for /api/v1 with the browser's session cookie: JSON in and out, X-CSRF-Token on every write, and
// every failure turned into an ApiError whose `kind` names a message of the catalogue (errors.<kind>).
// Every request asks for the UI's language (Accept-Language: the page's lang, zh-CN or en, set by i18n.js), so
// a refusal's `detail` comes back in the language the screen shows.
// No Vue here: the session module registers what happens when the session has expired.

const BASE = "/api/v1";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let csrfToken = null;
let sessionExpired = () => {};

export function setCsrfToken(token) {
  csrfToken = token;
}

// `handler(error)` runs when a request made with a session answers 401 (the session ended or expired).
export function onSessionExpired(handler) {
  sessionExpired = handler;
}

export class ApiError extends Error {
  constructor(status, body) {
    const problem = body && typeof body === "object" && typeof body.title === "string" ? body : null;
    super(problem ? `${problem.title} (${status})` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.kind = errorKind(status, problem);
  }

  // What the server said (its `detail`), shown beneath the catalogue's message.
  get detail() {
    return this.problem ? this.problem.detail || "" : "";
  }

  // A refused file's row report (the problem's `errors`: one line per problem), empty when there is none.
  get rows() {
    return this.problem && Array.isArray(this.problem.errors) ? this.problem.errors.map(String) : [];
  }
}

// The catalogue key (under errors.) for an HTTP status and problem: one wording per kind of failure.
export function errorKind(status, problem) {
  if (status === 0) return "network";
  if (!problem) return status >= 500 ? "server" : "noProblem";
  const detail = String(problem.detail || "").toLowerCase();
  if (status === 401) return "unauthorized";
  if (status === 403) return detail.includes("csrf") ? "csrf" : "forbidden";
  const kinds = { 400: "badRequest", 404: "notFound", 409: "conflict", 413: "tooLarge", 422: "invalid", 423: "locked" };
  return kinds[status] || (status >= 500 ? "server" : "noProblem");
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return BASE + path + (text ? `?${text}` : "");
}

// One API call. `body` is sent as JSON, `data` (a File or FormData) as it is; `raw: true` returns the Response
// (downloads); `anonymous: true` marks a call that may answer 401 without a session having expired (logging in,
// asking who is logged in).
export async function request(method, path, { body, data, query, raw = false, anonymous = false } = {}) {
  const headers = {
    Accept: "application/json, application/problem+json",
    "Accept-Language": document.documentElement.lang || "zh-CN",
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (WRITES.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: data !== undefined ? data : body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    const type = response.headers.get("Content-Type") || "";
    const problem = type.includes("json") ? await response.json().catch(() => null) : null;
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && !anonymous) sessionExpired(error);
    throw error;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const get = (path, query, options) => request("GET", path, { ...options, query });
export const post = (path, body, options) => request("POST", path, { ...options, body });
export const patch = (path, body) => request("PATCH", path, { body });
export const put = (path, body) => request("PUT", path, { body });
export const remove = (path) => request("DELETE", path);
// A file as the request's body (its name in the query) or a form with the file in `field`.
export const upload = (path, data, query) => request("POST", path, { data, query });
export function uploadForm(path, field, file, query) {
  const form = new FormData();
  form.append(field, file);
  return upload(path, form, query);
}

// A file from the API saved under the name its Content-Disposition gives (a fetch, so errors show as messages).
export async function download(path, fallbackName) {
  const response = await request("GET", path, { raw: true });
  const disposition = response.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition); // RFC 6266: the Chinese name when the server sends one
  const named = /filename="([^"]+)"/.exec(disposition);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = utf8 ? decodeURIComponent(utf8[1]) : named ? named[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000); // revoking at once can cancel the download
}

// For a screen whose filters can change while an answer is on its way (a menu click opens this month, a link then
// asks for March): `const newest = newestOnly()` once, then `const isNewest = newest()` at the start of each load,
// and an answer is shown only while `isNewest()` holds, so a slow earlier answer never replaces the one asked for.
export function newestOnly() {
  let started = 0;
  return () => {
    const mine = ++started;
    return () => mine === started;
  };
}
