// Phone or desktop: the layout switches at 768 px (the employee's screens are designed for the phone first).
import { ref } from "vue";

const query = window.matchMedia("(max-width: 768px)");
export const isPhone = ref(query.matches);
query.addEventListener("change", (event) => {
  isPhone.value = event.matches;
});
