// The dashboard's figures: today per office, terminal health, month trends.
import { get } from "./http.js";

export const getDashboard = () => get("/dashboard");
