@echo off
rem Brook on Windows: bin\brook server, bin\brook topics ..., bin\brook produce|consume ...
rem The release archive only; the JVM flags are bin/brook's (see its comments), less what is Linux-only
rem (epoll, the AOT cache training): a class-data-sharing archive per command, made on first use.
setlocal
set "BROOK_HOME=%~dp0.."
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java.exe") else (set "JAVA=java")
rem Heap apart from the rest (BROOK_HEAP_OPTS, as Kafka's KAFKA_HEAP_OPTS); the collector as bin/brook
rem chooses it (Serial on 1-2 processors and for client commands, G1 on more) unless the options name one.
if not defined BROOK_HEAP_OPTS set "BROOK_HEAP_OPTS=-Xms16m -Xmx1g"
if not defined BROOK_OPTS set "BROOK_OPTS=-XX:MaxDirectMemorySize=512m -Xss512k"
if defined BROOK_CACHE_DIR (set "CACHE=%BROOK_CACHE_DIR%") else (set "CACHE=%BROOK_HOME%\cache")
if not exist "%CACHE%" mkdir "%CACHE%" 2>nul
set "KIND=other"
for %%k in (server topics groups produce consume) do if "%~1"=="%%k" set "KIND=%%k"
set "GC=-XX:+UseSerialGC"
if "%KIND%"=="server" if %NUMBER_OF_PROCESSORS% GTR 2 set "GC=-XX:+UseG1GC"
echo %BROOK_HEAP_OPTS% %BROOK_OPTS% | findstr /R /C:"-XX:+Use[A-Za-z0-9]*GC" >nul && set "GC="
rem The server's GC log, rotating, in BROOK_LOG_DIR (default logs\ in the archive); BROOK_GC_LOG_OPTS
rem replaces it (cmd cannot tell an empty variable from an unset one: -Xlog:gc*=off turns it off).
set "GCLOG="
if defined BROOK_LOG_DIR (set "LOGS=%BROOK_LOG_DIR%") else (set "LOGS=%BROOK_HOME%\logs")
if "%KIND%"=="server" (
  if defined BROOK_GC_LOG_OPTS (
    set "GCLOG=%BROOK_GC_LOG_OPTS%"
  ) else (
    if not exist "%LOGS%" mkdir "%LOGS%" 2>nul
    set "GCLOG=-Xlog:gc*:file=\"%LOGS%\brook-gc.log\":time,uptime,level,tags:filecount=5,filesize=20M"
  )
)
"%JAVA%" -Dslf4j.provider=dev.brook.cli.logging.StderrLoggerProvider -Dslf4j.internal.verbosity=WARN ^
  -Dio.netty.leakDetection.level=disabled -Djdk.reflect.useNativeAccessorOnly=true ^
  "-Dbrook.logging.config=%BROOK_HOME%\config\logging.properties" %BROOK_HEAP_OPTS% %GC% %BROOK_OPTS% %GCLOG% --enable-native-access=ALL-UNNAMED ^
  "-XX:SharedArchiveFile=%CACHE%\brook-%KIND%.jsa" -XX:+AutoCreateSharedArchive -Xlog:cds=off -Xlog:cds+dynamic=off ^
  -jar "%BROOK_HOME%\lib\brook.jar" %*
exit /b %ERRORLEVEL%
