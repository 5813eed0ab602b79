// The dashboard's ECharts options from GET /dashboard's `trends`: one series per office, values converted from
// the API's integers (basis points → %, minutes → hours, fen → yuan) for drawing only; tooltips format the
// integers themselves, so what is read on screen is exact.
import { durationText } from "../explain.js";
import { percentOfBp, yuan } from "../format.js";

const hours = (minutes) => minutes / 60;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// `rawText(raw)` formats the API's own integer of a point for the tooltip.
function base(trends, axisName, rawText) {
  return {
    color: ["#409eff", "#67c23a", "#e6a23c", "#f56c6c", "#909399", "#9b59b6"],
    grid: { left: 48, right: 16, top: 36, bottom: 28, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: {
      trigger: "axis",
      formatter: (points) =>
        [escape(points[0].axisValueLabel)]
          .concat(points.map((p) => `${p.marker}${escape(p.seriesName)}: ${escape(rawText(p.data.raw))}`))
          .join("<br>"),
    },
    xAxis: { type: "category", data: trends.months },
    yAxis: { type: "value", name: axisName, nameTextStyle: { align: "right" } },
  };
}

function perOffice(trends, field, convert, type) {
  return trends.offices.map((office) => ({
    name: office.office,
    type,
    data: office[field].map((raw) => ({ value: convert(raw), raw })),
  }));
}

export function rateOption(trends, field, t) {
  return { ...base(trends, t("dashboard.percentAxis"), (bp) => `${percentOfBp(bp)}%`), series: perOffice(trends, field, (bp) => bp / 100, "line") };
}

export function overtimeOption(trends, t) {
  const limit = trends.ot_limit_minutes / 60;
  const series = perOffice(trends, "ot_minutes_per_employee", hours, "bar");
  if (series.length) {
    series[0].markLine = {
      symbol: "none",
      lineStyle: { color: "#f56c6c", type: "dashed" },
      label: { formatter: t("dashboard.otLimit", { n: limit }), position: "insideEndTop" },
      data: [{ yAxis: limit }],
    };
  }
  const option = base(trends, t("dashboard.hoursAxis"), (minutes) => durationText(minutes, t));
  // The axis always reaches past the limit, so its line shows in a month with little overtime too.
  return { ...option, yAxis: { ...option.yAxis, max: (extent) => Math.max(extent.max, Math.ceil(limit * 1.1)) }, series };
}

export function headcountOption(trends, t) {
  return { ...base(trends, t("dashboard.peopleAxis"), String), series: perOffice(trends, "headcount", (n) => n, "bar") };
}

export function payOption(trends, t) {
  const series = trends.offices.flatMap((office) => [
    { name: t("dashboard.gross", { office: office.office }), type: "bar", data: office.gross_fen.map((raw) => ({ value: raw / 100, raw })) },
    { name: t("dashboard.net", { office: office.office }), type: "bar", data: office.net_fen.map((raw) => ({ value: raw / 100, raw })) },
  ]);
  return { ...base(trends, t("dashboard.yuanAxis"), yuan), series };
}
