// A refused file's row report: one line per problem as the server wrote it ("row 7, column 月薪(元): …"), so the
// clerk can fix every row before sending the file again.
export default {
  props: { rows: { type: Array, required: true }, title: { type: String, required: true } },
  template: `
<el-alert v-if="rows.length" type="error" :closable="false" show-icon class="block" data-test="row-report">
  <template #title>{{ title }}</template>
  <ol class="row-report">
    <li v-for="(row, i) in rows" :key="i">{{ row }}</li>
  </ol>
</el-alert>`,
};
