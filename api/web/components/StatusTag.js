// A pay run's status as a coloured tag.
const TYPES = { draft: "info", computed: "warning", locked: "success" };

export default {
  props: { status: { type: String, required: true } },
  setup: () => ({ TYPES }),
  template: `<el-tag :type="TYPES[status]" effect="light" :data-status="status">{{ $t('status.' + status) }}</el-tag>`,
};
