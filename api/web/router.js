// Every screen is one route: its view module, who may open it (`roles`) and, for menu entries, the menu label
// key and icon. Adding a screen = one view module + one entry here + its catalogue keys.
import { ElMessage } from "element-plus";
import { createRouter, createWebHashHistory } from "vue-router";
import { STAFF, WRITERS, auth, homeFor, loadSession } from "./auth.js";
import { i18n } from "./i18n.js";
import ActivateView from "./views/ActivateView.js";
import AuditView from "./views/AuditView.js";
import DashboardView from "./views/DashboardView.js";
import DepartmentsView from "./views/DepartmentsView.js";
import EmployeesView from "./views/EmployeesView.js";
import LoginView from "./views/LoginView.js";
import MyPayslipsView from "./views/MyPayslipsView.js";
import MyPunchesView from "./views/MyPunchesView.js";
// employee self-service
import MyInsuranceView from "./views/MyInsuranceView.js";
import MyLeaveView from "./views/MyLeaveView.js";
import MyMonthView from "./views/MyMonthView.js";
import MyRequestsView from "./views/MyRequestsView.js";
import NotFoundView from "./views/NotFoundView.js";
import NotificationsView from "./views/NotificationsView.js";
import PasswordView from "./views/PasswordView.js";
import PayRunView from "./views/PayRunView.js";
import PayRunsView from "./views/PayRunsView.js";
import PayslipView from "./views/PayslipView.js";
import PayslipsView from "./views/PayslipsView.js";
import PiecesView from "./views/PiecesView.js";
import PunchesView from "./views/PunchesView.js";
import QuarantineView from "./views/QuarantineView.js";
import TeamView from "./views/TeamView.js";
import TerminalsView from "./views/TerminalsView.js";
import UsersView from "./views/UsersView.js";
// manager and HR requests
import InboxView from "./views/InboxView.js";
import RequestsView from "./views/RequestsView.js";
import SettlementView from "./views/SettlementView.js";
import { APPROVERS } from "./components/pendingCount.js";
// onboarding (入职管理)
import OnboardingView from "./views/OnboardingView.js";
// rosters (排班)
import RosterView from "./views/RosterView.js";

const EVERYONE = [...STAFF, "employee", "manager"];
const EMPLOYEE = ["employee", "manager"]; // a manager is an employee too: their own screens
const ADMIN = ["admin"];

export const routes = [
  { path: "/login", name: "login", component: LoginView, meta: { public: true } },
  { path: "/activate", name: "activate", component: ActivateView, meta: { public: true } },
  { path: "/", name: "home", redirect: () => homeFor(auth.me) },
  { path: "/dashboard", name: "dashboard", component: DashboardView, meta: { roles: STAFF, menu: "menu.dashboard", icon: "DataLine" } },
  { path: "/employees", name: "employees", component: EmployeesView, meta: { roles: STAFF, menu: "menu.employees", icon: "User" } },
  { path: "/departments", name: "departments", component: DepartmentsView, meta: { roles: STAFF, menu: "menu.departments", icon: "OfficeBuilding" } },
  { path: "/terminals", name: "terminals", component: TerminalsView, meta: { roles: STAFF, menu: "menu.terminals", icon: "Monitor" } },
  { path: "/quarantine", name: "quarantine", component: QuarantineView, meta: { roles: STAFF, menu: "menu.quarantine", icon: "Warning" } },
  { path: "/punches", name: "punches", component: PunchesView, meta: { roles: STAFF, menu: "menu.punches", icon: "Calendar" } },
  { path: "/pieces", name: "pieces", component: PiecesView, meta: { roles: STAFF, menu: "menu.pieces", icon: "Box" } },
  { path: "/payruns", name: "payruns", component: PayRunsView, meta: { roles: STAFF, menu: "menu.payruns", icon: "Money" } },
  { path: "/payruns/:id(\\d+)", name: "payrun", component: PayRunView, meta: { roles: STAFF, parent: "payruns" } },
  { path: "/payslips", name: "payslips", component: PayslipsView, meta: { roles: STAFF, menu: "menu.payslips", icon: "Tickets" } },
  { path: "/payslips/:id(\\d+)", name: "payslip", component: PayslipView, meta: { roles: STAFF, parent: "payslips" } },
  // manager and HR requests
  { path: "/inbox", name: "inbox", component: InboxView, meta: { roles: APPROVERS, menu: "menu.inbox", icon: "Stamp", badge: true } },
  { path: "/requests", name: "requests", component: RequestsView, meta: { roles: STAFF, menu: "menu.requests", icon: "Tickets" } },
  { path: "/resignations/:id(\\d+)", name: "settlement", component: SettlementView, meta: { roles: STAFF, parent: "requests" } },
  { path: "/my/settlement", name: "my-settlement", component: SettlementView, meta: { roles: EMPLOYEE, menu: "settlement.menu", icon: "Document", leaver: true } },
  // onboarding (入职管理): HR and admin decide, a viewer reads, a manager submits for their departments
  { path: "/onboarding", name: "onboarding", component: OnboardingView, meta: { roles: [...STAFF, "manager"], menu: "menu.onboarding", icon: "Avatar" } },
  // 我的团队: a manager's people, 发起变动 (转正, 调薪, 调动) for them
  { path: "/team", name: "team", component: TeamView, meta: { roles: ["manager"], menu: "menu.team", icon: "UserFilled" } },
  // rosters (排班): HR and admin edit, a viewer reads, a manager reads the rows of their departments
  { path: "/roster", name: "roster", component: RosterView, meta: { roles: [...STAFF, "manager"], menu: "menu.roster", icon: "Grid" } },
  { path: "/audit", name: "audit", component: AuditView, meta: { roles: WRITERS, menu: "menu.audit", icon: "Document" } },
  { path: "/users", name: "users", component: UsersView, meta: { roles: ADMIN, menu: "menu.users", icon: "Key" } },
  { path: "/my/payslips", name: "my-payslips", component: MyPayslipsView, meta: { roles: EMPLOYEE, menu: "menu.myPayslips", icon: "Wallet" } },
  { path: "/my/payslips/:id(\\d+)", name: "my-payslip", component: PayslipView, meta: { roles: EMPLOYEE, parent: "my-payslips" } },
  { path: "/my/punches", name: "my-punches", component: MyPunchesView, meta: { roles: EMPLOYEE, menu: "menu.myPunches", icon: "Clock" } },
  { path: "/notifications", name: "notifications", component: NotificationsView, meta: { roles: EVERYONE } },
  // employee self-service
  { path: "/my/month", name: "my-month", component: MyMonthView, meta: { roles: EMPLOYEE, menu: "menu.myMonth", icon: "Calendar" } },
  { path: "/my/requests", name: "my-requests", component: MyRequestsView, meta: { roles: EMPLOYEE, menu: "menu.myRequests", icon: "EditPen" } },
  { path: "/my/leave", name: "my-leave", component: MyLeaveView, meta: { roles: EMPLOYEE, menu: "menu.myLeave", icon: "Sunny" } },
  { path: "/my/insurance", name: "my-insurance", component: MyInsuranceView, meta: { roles: EMPLOYEE, menu: "menu.myInsurance", icon: "Umbrella" } },
  { path: "/password", name: "password", component: PasswordView, meta: { roles: EVERYONE } },
  { path: "/:missing(.*)*", name: "missing", component: NotFoundView, meta: { roles: EVERYONE } },
];

// The menu entries the logged-in role may open, in route order (`leaver` ones only once `me` has a last day).
export const menuFor = (role, me = null) =>
  routes.filter((r) => r.meta && r.meta.menu && r.meta.roles.includes(role) && (!r.meta.leaver || Boolean(me && me.left_on)));

export const router = createRouter({ history: createWebHashHistory(), routes });

router.beforeEach(async (to) => {
  if (!auth.checked) await loadSession();
  const me = auth.me;
  if (to.meta.public) return me && to.name === "login" ? homeFor(me) : true;
  if (!me) return { name: "login", query: to.fullPath === "/" ? {} : { next: to.fullPath } };
  if (me.must_change_password && to.name !== "password") return { name: "password" };
  if (to.meta.roles && !to.meta.roles.includes(me.role)) {
    ElMessage.error(i18n.global.t("errors.routeRefused"));
    return homeFor(me);
  }
  return true;
});
