@echo off
rem Brook on Windows: bin\brook server, bin\brook topics ..., bin\brook produce|consume ...
rem The release archive only; the JVM flags are bin/brook's (see its comments), less what is Linux-only
rem (epoll, the AOT cache training): a class-data-sharing archive per command, made on first use.
setlocal
set "BROOK_HOME=%~dp0.."
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java.exe") else (set "JAVA=java")
if not defined BROOK_OPTS set "BROOK_OPTS=-Xms16m -Xmx1g -XX:+UseSerialGC -XX:MaxDirectMemorySize=512m -Xss512k"
if defined BROOK_CACHE_DIR (set "CACHE=%BROOK_CACHE_DIR%") else (set "CACHE=%BROOK_HOME%\cache")
if not exist "%CACHE%" mkdir "%CACHE%" 2>nul
set "KIND=other"
for %%k in (server topics groups produce consume) do if "%~1"=="%%k" set "KIND=%%k"
"%JAVA%" -Dslf4j.provider=dev.brook.cli.logging.StderrLoggerProvider -Dslf4j.internal.verbosity=WARN ^
  -Dio.netty.leakDetection.level=disabled -Djdk.reflect.useNativeAccessorOnly=true ^
  "-Dbrook.logging.config=%BROOK_HOME%\config\logging.properties" %BROOK_OPTS% --enable-native-access=ALL-UNNAMED ^
  "-XX:SharedArchiveFile=%CACHE%\brook-%KIND%.jsa" -XX:+AutoCreateSharedArchive -Xlog:cds=off -Xlog:cds+dynamic=off ^
  -jar "%BROOK_HOME%\lib\brook.jar" %*
exit /b %ERRORLEVEL%
