// The offices' names (and time zones) for the screens' office pickers: the dashboard's offices, asked once.
import { getDashboard } from "../api/dashboard.js";
import { officeNames, rememberZones } from "../zones.js";

export async function knownOffices() {
  if (!officeNames().length) rememberZones((await getDashboard()).offices);
  return officeNames();
}
