#!/bin/sh
# On a Mac: put Overlap.app in a compressed disk image, next to a link to /Applications.
# build_installer.py runs it after building and testing dist/Overlap.app:
#   sh packaging/macos/make_dmg.sh dist/Overlap.app dist/Overlap-0.1.0-macos-arm64.dmg
# The app is signed ad hoc by PyInstaller; to pass Gatekeeper on other Macs, sign it with a
# Developer ID (codesign --deep --options runtime) and notarize the image (xcrun notarytool).
set -eu
app=$1
dmg=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname Overlap -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$dmg"
