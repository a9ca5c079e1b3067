// Package winhost is a simulated Windows Server machine for the WinRM simulator: a registry, the
// W32Time service, an OS profile (2003 to 2025), a domain role, a locale, a cmd.exe command-line parser
// and the programs the provider runs (ver, reg, w32tm, net, sc, tzutil, echo, exit, cmd). It is pure Go,
// does no I/O, and imports nothing else from this module.
//
// Machine.Exec runs one command line as the WinRM cmd shell does and returns stdout, stderr (encoded in
// the console code page) and the exit code. Every command line is recorded (History). Tests change the
// host behind the provider's back through GetValue/SetString/SetDWord/DeleteValue/DeleteKey,
// SetServiceRunning, SetElevated, SetHang, SetTimeData (time sources reachable or not) and Reboot
// (W32Time running afterwards only if its start type says so; Config.AfterBoot starts a host so).
//
// # Fidelity
//
// Taken from real transcripts or vendor documentation [seen] (see windows-time.md):
//   - `ver` strings for 2003, 2008 R2, 2012 R2, 2016, 2019, 2022; a blank line before the version line.
//   - reg query layout on 2008 and later (blank line, key, values indented 4 spaces with 4-space
//     separators, blank line); the "! REG.EXE VERSION 3.0" header on 2003; REG_DWORD as 0x hex.
//   - w32tm: "The command completed successfully.", the resync line, the three error lines
//     (0x80070426, 0x80070005, 0x80070424), /update and /resync failing while the service is stopped,
//     2003 lacking /query ("The command /query is unknown.") and accepting only MANUAL and DOMHIER,
//     DOMHIER,MANUAL giving AllSync on 2003, /query /configuration with (Local)/(Policy) and the
//     conditional NtpServer / CrossSiteSyncFlags lines, /query /status lines, W32Time defaults per role.
//   - net start/stop success messages, sc query STATE lines, the "is not recognized" message and 9009,
//     `echo out && echo err>&2 && exit 1` (trailing spaces kept, exit 1; pypsrp recording).
//   - Group Policy values override local ones; ja-JP w32tm success text and the 階層:/ソース: labels.
//   - Startup: from 2008 R2 on a workgroup W32Time is manual with the domain-join trigger start, stopped
//     after a boot (KB 2385818); sc qc's layout ("[SC] GetServiceConfig SUCCESS" and two-space padding
//     on 2003, "[SC] QueryServiceConfig SUCCESS" and "AUTO_START  (DELAYED)" later); "[SC]
//     ChangeServiceConfig SUCCESS", "[SC] ChangeServiceConfig2 SUCCESS"; sc qtriggerinfo w32time and
//     the two trigger GUIDs (the sc.exe documentation); net start of a disabled service (error 1058's
//     text); the VMICTimeProvider block of /query /configuration on Hyper-V guests, and
//     UtilizeSslTimeData not listed there.
//
// Inferred (kept in inferred.go, or commented where they live, so they can be corrected):
//   - the message and exit code for /syncfromflags:ALL and NO on 2003 (E_INVALIDARG, 0x80070057);
//     w32tm exit codes are the HRESULT as an unsigned number; w32tm prints errors on stdout;
//   - `ver` for 2008 (6.0.6003), 2012 (6.2.9200), 2025 (10.0.26100.1742);
//   - reg: tab bytes and 4-space indent on 2003 and the blank line before its header; the missing key
//     message and exit 1; reg add/delete without /f answering "no" to the prompt; no key header line for
//     a key without values; subkeys listed after the values; "The operation completed successfully."
//     for reg add/delete on every release;
//   - sc query's trailing spaces and flag lines, net.exe's HELPMSG numbers, exit 2 and stderr;
//   - every Japanese text except the success line and the two status labels; code page 65001 being
//     ignored by 2003 (CP932 on ja-JP, CP437 on en-US);
//   - registry values beyond windows-time.md section 5 (ServiceDll family, Config extras, the service
//     key), the time zone table and default zone (UTC, Tokyo on ja-JP), the simulated DC name;
//   - status/peers numbers, /register keeping a running service running, /unregister succeeding while
//     running, /config writing the registry before /update fails;
//   - w32tm reads configuration live from the registry (a real service rereads only on /update or start);
//   - startup: automatic W32Time on domain members and controllers (no trigger) and on 2003 and 2008 in
//     every role; the TriggerInfo subkey layout (Type, Action, Guid); sc config writing DelayedAutostart
//     (1 for delayed-auto, 0 for auto, untouched otherwise); sc usage texts and their exit code 1639;
//     start= boot|system refused with 87; only the domain join triggers emulated; the qtriggerinfo line
//     of a service without triggers; a reboot ending the WinRM shells;
//   - time data: a simulated DC is a replica synchronising from DC01; NtpClient Enabled=0 or unreachable
//     sources mean none; /resync without time data exits 0x800705B4, /resync /nowait always succeeds;
//     VMICTimeProvider present from 2008 R2 on (the hosts are Hyper-V guests); UtilizeSslTimeData 1 on 2016
//     and later;
//   - reg add: REG_DWORD/REG_QWORD data decimal (leading zeros too) or 0x hex, anything else a syntax error;
//   - cmd.exe: exit 255 on a syntax error, a missing ")" closing at the end of the line, the precedence
//     & < || < && < |, cmd /c stripping the first and last quote.
//
// Not emulated: w32tm /monitor, /stripchart, /ntte, /ntpte, /debug (reported as unknown commands),
// %VAR:~n,m% substrings, delayed expansion, SET, IF, FOR, and reading standard input.
package winhost
