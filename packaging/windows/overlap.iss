; Inno Setup 6 script of the Windows installer of Overlap (per-user by default, no admin rights).
; Build the app first, then the installer, from the repository's root:
;   .venv\Scripts\python build_installer.py
;   iscc /DAppVersion=0.1.0 /DOutputName=Overlap-0.1.0-windows-x64-setup packaging\windows\overlap.iss
; (build_installer.py runs the second command itself when iscc is on PATH.)
; Paths are relative to this file; the installer is written to dist\.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef OutputName
  #define OutputName "Overlap-" + AppVersion + "-windows-x64-setup"
#endif

[Setup]
AppId={{6C1F0E2A-7B43-4D8E-9A51-3F2B8C4D9E07}
AppName=Overlap
AppVersion={#AppVersion}
AppVerName=Overlap {#AppVersion}
AppPublisher=Overlap
DefaultDirName={autopf}\Overlap
DefaultGroupName=Overlap
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename={#OutputName}
SetupIconFile=..\..\build\icons\overlap.ico
UninstallDisplayIcon={app}\Overlap.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\Overlap\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Overlap"; Filename: "{app}\Overlap.exe"
Name: "{autodesktop}\Overlap"; Filename: "{app}\Overlap.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Overlap.exe"; Description: "{cm:LaunchProgram,Overlap}"; Flags: nowait postinstall skipifsilent

; Workspaces, settings and logs live in the user's own folders and stay after uninstalling.
