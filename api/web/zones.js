// The time zone of each office, so times show on the office's own clock. Filled from the dashboard's offices
// (staff only); DEFAULT_ZONE is the zone of an office this browser has not heard of yet (Chinese offices keep
// China Standard Time, but an office in Urumqi can keep its own).
import { reactive } from "vue";

export const DEFAULT_ZONE = "Asia/Shanghai";
const zones = reactive({});

export function rememberZones(offices) {
  for (const office of offices) zones[office.office] = office.timezone;
}

export const zoneOf = (office) => zones[office] || Object.values(zones)[0] || DEFAULT_ZONE;
export const officeNames = () => Object.keys(zones);
