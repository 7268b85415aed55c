#!/bin/sh
# Adds Overlap to this user's applications menu. Run it from the unpacked Overlap folder,
# wherever you keep it (e.g. ~/Applications/Overlap); run it again after moving the folder.
# To take Overlap out of the menu, delete the two files it names at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case $here in
    *[\"\`\$\\%\|\&]*)
        echo "error: the folder's path has one of \" \` \$ \\ % | &; move the folder first" >&2
        exit 1
        ;;
esac
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
icons=$data/icons/hicolor/256x256/apps
mkdir -p "$apps" "$icons"
cp "$here/overlap.png" "$icons/overlap.png"
sed "s|^Exec=.*|Exec=\"$here/Overlap\"|" "$here/overlap.desktop" > "$apps/overlap.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$apps" >/dev/null 2>&1 || true
fi
echo "Overlap is in your applications menu:"
echo "  $apps/overlap.desktop"
echo "  $icons/overlap.png"
