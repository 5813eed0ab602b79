// The password rule of the login API (at least 10 characters, not only digits, not containing the user name), checked in
// the form before anything is sent; the server checks it again.
export function passwordProblems(password, username) {
  const problems = [];
  if (password.length < 10) problems.push("validation.passwordLength");
  if (/^\d+$/.test(password)) problems.push("validation.passwordDigits");
  if (username && password.toLowerCase().includes(String(username).toLowerCase())) problems.push("validation.passwordUsername");
  return problems;
}

// Element Plus form rules for a new password and its repetition; `form` holds `password` and `confirm`.
export function newPasswordRules(t, form, usernameOf, fieldKey) {
  return {
    password: [
      { required: true, message: t("validation.required", { field: t(fieldKey) }), trigger: "blur" },
      {
        trigger: "blur",
        validator: (_rule, value, done) => {
          const problems = passwordProblems(value || "", usernameOf());
          done(problems.length ? new Error(problems.map((key) => t(key)).join(t("common.listSeparator"))) : undefined);
        },
      },
    ],
    confirm: [
      {
        trigger: "blur",
        validator: (_rule, value, done) =>
          done(value === form.password ? undefined : new Error(t("validation.passwordMismatch"))),
      },
    ],
  };
}
