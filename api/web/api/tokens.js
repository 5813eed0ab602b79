// API tokens for machines and scripts (admin): list, create (the secret is in the answer only), revoke.
import { get, post, remove } from "./http.js";

export const listTokens = () => get("/tokens");
export const createToken = (fields) => post("/tokens", fields);
export const revokeToken = (id) => remove(`/tokens/${id}`);
