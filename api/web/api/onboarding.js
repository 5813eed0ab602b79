// Onboarding (入职申请): the list (status, office, department), one application with its history, a new hire
// submitted, a decision (approve or reject with a comment) and a withdrawal.
import { get, post } from "./http.js";

export const listOnboardings = (query) => get("/onboarding", query);
export const getOnboarding = (id) => get(`/onboarding/${id}`);
export const submitOnboarding = (fields) => post("/onboarding", fields);
export const decideOnboarding = (id, approve, comment) => post(`/onboarding/${id}/decision`, { approve, comment });
export const withdrawOnboarding = (id, comment) => post(`/onboarding/${id}/withdraw`, { comment });
