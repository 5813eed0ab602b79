#!/usr/bin/env bash
# Re-create api/web/vendor/ exactly: the built browser files of pinned npm packages, each with its licence.
#
# Run from anywhere: `bash tools/vendor-web.sh`. Needs npm (only here, never at run time). Each package is
# fetched with `npm pack` (the published tarball, no install scripts run), the listed files are copied to
# api/web/vendor/<package>@<version>/ and api/web/vendor/SHA256SUMS is rewritten; a test compares the
# committed files with it. To upgrade a package, change its version below, run this, and update README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=api/web/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package@version | folder name | files inside the package (paths relative to package/)
PACKAGES=(
  "vue@3.5.45|vue@3.5.45|LICENSE dist/vue.esm-browser.prod.js"
  "vue-router@5.5.1|vue-router@5.5.1|LICENSE dist/vue-router.esm-browser.prod.js"
  "vue-i18n@11.4.18|vue-i18n@11.4.18|LICENSE dist/vue-i18n.esm-browser.prod.js"
  "element-plus@2.14.8|element-plus@2.14.8|LICENSE dist/index.full.min.mjs dist/index.css dist/locale/zh-cn.min.mjs dist/locale/en.min.mjs"
  "@element-plus/icons-vue@2.3.2|element-plus-icons-vue@2.3.2|LICENSE dist/index.min.js"
  "echarts@6.1.0|echarts@6.1.0|LICENSE dist/echarts.esm.min.mjs"
  "swagger-ui-dist@5.35.0|swagger-ui-dist@5.35.0|LICENSE swagger-ui-bundle.js swagger-ui.css"
  "redoc@2.5.4|redoc@2.5.4|LICENSE bundles/redoc.standalone.js"
)

find "$out" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec folder files <<<"$entry"
  tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
  mkdir -p "$work/$folder"
  tar -xzf "$work/$tarball" -C "$work/$folder"
  mkdir -p "$out/$folder"
  for file in $files; do
    cp "$work/$folder/package/$file" "$out/$folder/$(basename "$file")"
  done
done
(cd "$out" && find . -mindepth 2 -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) >"$out/SHA256SUMS"
echo "vendored into $out:"
cat "$out/SHA256SUMS"
