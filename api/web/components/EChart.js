// One ECharts chart: renders `option` on a canvas, follows its size, and re-renders when `option` changes.
// `name` lands in data-chart, so a test can find the chart and read its option back.
import * as echarts from "echarts";
import { onBeforeUnmount, onMounted, ref, watch } from "vue";

export default {
  props: { option: { type: Object, required: true }, name: { type: String, required: true } },
  setup(props) {
    const el = ref(null);
    let chart = null;
    let observer = null;
    onMounted(() => {
      chart = echarts.init(el.value, null, { renderer: "canvas" });
      chart.setOption(props.option);
      observer = new ResizeObserver(() => chart.resize());
      observer.observe(el.value);
    });
    watch(
      () => props.option,
      (option) => chart && chart.setOption(option, true),
    );
    onBeforeUnmount(() => {
      if (observer) observer.disconnect();
      if (chart) chart.dispose();
    });
    return { el };
  },
  template: `<div ref="el" class="chart" :data-chart="name"></div>`,
};
