@echo off
rem skiff-kubectl-shim -- kubectl for the Skiff cluster (see assets/bin/kubectl for the rules).
setlocal EnableDelayedExpansion
if defined SKIFF_KUBECONFIG (set "KC=%SKIFF_KUBECONFIG%") else if defined SKIFF_DATA_DIR (set "KC=%SKIFF_DATA_DIR%\kubeconfig") else (set "KC=%USERPROFILE%\.skiff\kubeconfig")
set "REAL="
if defined SKIFF_KUBECTL if exist "%SKIFF_KUBECTL%" set "REAL=%SKIFF_KUBECTL%"
if not defined REAL if exist "%~dp0kubectl-real.exe" set "REAL=%~dp0kubectl-real.exe"
if not defined REAL for /f "delims=" %%K in ('where kubectl.exe 2^>nul') do if not defined REAL set "REAL=%%K"
if not defined REAL (
  echo skiff: no kubectl found. Install kubectl ^(https://kubernetes.io/docs/tasks/tools/^) or set SKIFF_KUBECTL to its path. 1>&2
  exit /b 127
)
for %%A in (%*) do (
  set "ARG=%%~A"
  if "!ARG!"=="--kubeconfig" goto own
  if "!ARG:~0,13!"=="--kubeconfig=" goto own
  if "!ARG!"=="--context" goto own
  if "!ARG:~0,10!"=="--context=" goto own
)
"%REAL%" --kubeconfig "%KC%" %*
exit /b %ERRORLEVEL%
:own
"%REAL%" %*
exit /b %ERRORLEVEL%
