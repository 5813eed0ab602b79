// 中文 / English, kept in this browser.
import { useI18n } from "vue-i18n";
import { LANGUAGES, setLanguage } from "../i18n.js";

export default {
  setup() {
    const { locale } = useI18n();
    return { locale, LANGUAGES, setLanguage };
  },
  template: `
<el-radio-group :model-value="locale" size="small" class="lang-switch" :aria-label="$t('lang.label')" @change="setLanguage">
  <el-radio-button value="zh-CN">{{ $t('lang.zh') }}</el-radio-button>
  <el-radio-button value="en">{{ $t('lang.en') }}</el-radio-button>
</el-radio-group>`,
};
