// A URL no screen answers.
export default {
  template: `<el-result icon="warning" :title="$t('errors.pageMissing')"><template #extra><el-button type="primary" @click="$router.push('/')">{{ $t('common.back') }}</el-button></template></el-result>`,
};
