// The frame around every screen: a side menu of the role's entries (collapsible; a drawer on a phone), the header
// with the language switch and the user's menu. Login and activation pages get no frame.
import { ElMessage } from "element-plus";
import { computed, onMounted, onUnmounted, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { logOut } from "../api/session.js";
import { auth, setMe } from "../auth.js";
import { menuFor } from "../router.js";
import { isPhone } from "../viewport.js";
import { bell, refreshBell } from "./bell.js";
import LangSwitch from "./LangSwitch.js";
import { showError } from "./notify.js";
import { APPROVERS, pending, refreshPending } from "./pendingCount.js";

export default {
  components: { LangSwitch },
  setup() {
    const { t } = useI18n();
    const route = useRoute();
    const router = useRouter();
    const collapsed = ref(false);
    const drawer = ref(false);
    const framed = computed(() => auth.me !== null && !route.meta.public);
    const menu = computed(() => (auth.me ? menuFor(auth.me.role, auth.me) : []));
    const active = computed(() => route.meta.parent || route.name);

    function go(name) {
      drawer.value = false;
      router.push({ name });
    }

    async function command(what) {
      if (what === "password") return go("password");
      try {
        await logOut();
      } catch (error) {
        if (error.status !== 401) return showError(error);
      }
      setMe(null);
      ElMessage.success(t("user.loggedOut"));
      router.push({ name: "login" });
    }

    function toggle() {
      if (isPhone.value) drawer.value = !drawer.value;
      else collapsed.value = !collapsed.value;
    }

    // The bell's count: read when the frame shows and on every page change, and once a minute meanwhile.
    let timer = null;
    watch(() => (framed.value ? route.fullPath : null), (path) => path && refreshBell(), { immediate: true });
    onMounted(() => (timer = setInterval(() => framed.value && refreshBell(), 60000)));
    onUnmounted(() => clearInterval(timer));
    // The inbox badge: read when an approver logs in (the inbox screen keeps it current after that).
    watch(() => auth.me && auth.me.username, () => auth.me && APPROVERS.includes(auth.me.role) && refreshPending(), { immediate: true });

    return { auth, framed, menu, active, collapsed, drawer, isPhone, pending, go, command, toggle, bell };
  },
  template: `
<router-view v-if="!framed" />
<el-container v-else class="shell">
  <el-aside v-if="!isPhone" :width="collapsed ? '64px' : '208px'" class="shell-aside">
    <div class="brand" :class="{ collapsed }">
      <span class="brand-mark">{{ $t('app.mark') }}</span><span v-if="!collapsed" class="brand-name">{{ $t('app.title') }}</span>
    </div>
    <el-menu :default-active="active" :collapse="collapsed" class="shell-menu" data-test="menu">
      <el-menu-item v-for="entry in menu" :key="entry.name" :index="entry.name" @click="go(entry.name)">
        <el-icon><component :is="'Icon' + entry.meta.icon" /></el-icon>
        <template #title>{{ $t(entry.meta.menu) }}<el-badge v-if="entry.meta.badge && pending.count" :value="pending.count" :max="99" class="menu-badge" data-test="menu-badge" /></template>
      </el-menu-item>
    </el-menu>
  </el-aside>
  <el-drawer v-else v-model="drawer" direction="ltr" size="220px" :with-header="false">
    <div class="brand"><span class="brand-mark">{{ $t('app.mark') }}</span><span class="brand-name">{{ $t('app.title') }}</span></div>
    <el-menu :default-active="active" class="shell-menu" data-test="menu">
      <el-menu-item v-for="entry in menu" :key="entry.name" :index="entry.name" @click="go(entry.name)">
        <el-icon><component :is="'Icon' + entry.meta.icon" /></el-icon>
        <span>{{ $t(entry.meta.menu) }}</span><el-badge v-if="entry.meta.badge && pending.count" :value="pending.count" :max="99" class="menu-badge" data-test="menu-badge" />
      </el-menu-item>
    </el-menu>
  </el-drawer>
  <el-container>
    <el-header class="shell-header">
      <el-button text :aria-label="$t('app.menuToggle')" @click="toggle">
        <el-icon :size="18"><IconExpand v-if="collapsed || isPhone" /><IconFold v-else /></el-icon>
      </el-button>
      <span v-if="isPhone" class="brand-name">{{ $t('app.title') }}</span>
      <span class="spacer"></span>
      <el-badge :value="bell.unread" :hidden="!bell.unread" class="bell" data-test="bell">
        <el-button text :aria-label="$t('notifications.bell')" @click="go('notifications')"><el-icon :size="18"><IconBell /></el-icon></el-button>
      </el-badge>
      <LangSwitch />
      <el-dropdown trigger="click" @command="command">
        <span class="user-menu" data-test="user-menu">
          <el-icon><IconUser /></el-icon>
          <span class="user-name">{{ auth.me.display_name || auth.me.username }}</span>
          <el-tag size="small" effect="plain" class="user-role">{{ $t('user.role.' + auth.me.role) }}</el-tag>
        </span>
        <template #dropdown>
          <el-dropdown-menu>
            <el-dropdown-item command="password">{{ $t('user.changePassword') }}</el-dropdown-item>
            <el-dropdown-item command="logout" divided data-test="logout">{{ $t('user.logout') }}</el-dropdown-item>
          </el-dropdown-menu>
        </template>
      </el-dropdown>
    </el-header>
    <el-main class="shell-main"><router-view /></el-main>
  </el-container>
</el-container>`,
};
