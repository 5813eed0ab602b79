// The caller's notifications, unread first (cards, phone first); opening one marks it read and follows its
// link. HR and admin also see how each e-mail / group-robot delivery went.
import { computed, onMounted, ref } from "vue";
import { useRouter } from "vue-router";
import { listDeliveries, listNotifications, markAllRead, markRead } from "../api/notifications.js";
import { auth } from "../auth.js";
import { refreshBell } from "../components/bell.js";
import { showError } from "../components/notify.js";
import { localDateTime } from "../format.js";

export default {
  setup() {
    const router = useRouter();
    const items = ref([]);
    const deliveries = ref([]);
    const loading = ref(false);
    const hr = computed(() => ["hr", "admin"].includes(auth.me?.role));
    async function load() {
      loading.value = true;
      try {
        items.value = (await listNotifications({ limit: 100 })).items;
        if (hr.value) deliveries.value = await listDeliveries({ limit: 100 });
        await refreshBell();
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    async function open(note) {
      try {
        if (!note.read_at) await markRead(note.id);
      } catch (error) {
        return showError(error);
      }
      await load();
      if (note.link && note.link !== "/notifications") router.push(note.link);
    }
    async function readAll() {
      try {
        await markAllRead();
      } catch (error) {
        return showError(error);
      }
      await load();
    }
    onMounted(load);
    return { items, deliveries, loading, hr, open, readAll, load, localDateTime };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('notifications.title') }}</h2>
  <el-button size="small" data-test="read-all" @click="readAll">{{ $t('notifications.readAll') }}</el-button>
  <el-empty v-if="!loading && !items.length" :description="$t('notifications.none')" />
  <div class="slip-cards" data-test="notifications">
    <el-card v-for="note in items" :key="note.id" shadow="hover" class="slip-card" :data-notification="note.id"
             :class="{ unread: !note.read_at }" @click="open(note)">
      <div class="slip-card-head"><strong>{{ note.title }}</strong>
        <el-tag v-if="!note.read_at" size="small" type="danger">{{ $t('notifications.unread') }}</el-tag></div>
      <div>{{ note.body }}</div>
      <div class="muted">{{ localDateTime(note.created_at) }}</div>
    </el-card>
  </div>
  <template v-if="hr">
    <h3>{{ $t('notifications.deliveries') }}</h3>
    <el-table :data="deliveries" data-test="deliveries" size="small">
      <el-table-column prop="title" :label="$t('notifications.message')" min-width="200" />
      <el-table-column prop="office" :label="$t('notifications.office')" />
      <el-table-column :label="$t('notifications.channel')"><template #default="{ row }">{{ $t('notifications.channels.' + row.channel) }}</template></el-table-column>
      <el-table-column :label="$t('notifications.status')"><template #default="{ row }">{{ $t('notifications.statuses.' + row.status) }}</template></el-table-column>
      <el-table-column prop="attempts" :label="$t('notifications.attempts')" />
      <el-table-column prop="last_error" :label="$t('notifications.lastError')" min-width="220" />
    </el-table>
  </template>
</div>`,
};
