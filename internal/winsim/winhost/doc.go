// Package winhost is a simulated Windows Server machine for the WinRM simulator: a registry, the
// W32Time service, an OS profile (2003 to 2025), a domain role, a locale and OEM code page, a time
// zone, a cmd.exe command-line parser and the programs the provider runs (ver, reg, w32tm, net, sc,
// tzutil, wmic, rundll32's time zone applet, hostname, echo, exit, cmd). It is pure Go, does no I/O
// but read its clock (Config.Clock), and imports nothing else from this module.
//
// Machine.Exec runs one command line as the WinRM cmd shell does and returns stdout, stderr (encoded in
// the console code page) and the exit code. Every command line is recorded (History). Tests change the
// host behind the provider's back through GetValue/SetString/SetDWord/DeleteValue/DeleteKey,
// SetServiceRunning, SetElevated, SetHang, SetTimeData (time sources reachable or not) and Reboot
// (W32Time running afterwards only if its start type says so; Config.AfterBoot starts a host so).
// A started time service reports itself unsynchronised until Config.SyncDelay has passed on the
// host's clock, or a "w32tm /resync" succeeds; a host from New without AfterBoot has been running
// for a while and is synchronised already.
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
//   - Group Policy values override local ones; ja-JP w32tm success text.
//   - /query /status in English and Japanese, line by line (閏インジケーター, "3 (同期未実行)" with a
//     space before the bracket where English has none, ティックごとに, "参照 ID: 0x… (ソース IP:  …)",
//     the time as 2022/01/10 1:45:54 with the hour not zero-padded, English 9/5/2024 3:45:06 PM, both
//     in the host's local time), the blank line ending it, and a freshly started service being
//     unsynchronised (Local CMOS Clock, stratum 0, "unspecified"); the -23 precision from 2016 on.
//   - Server 2008's ProductName "Windows Server (R) 2008 Standard"; tzutil /g without a line end.
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
//   - every Japanese text except the success line and the /query /status lines; code page 65001 being
//     ignored by 2003 (which writes in the OEM code page: 932 on ja-JP, 437 by default on en-US);
//   - registry values beyond windows-time.md section 5 (ServiceDll family, Config extras, the service
//     key), the time zone table and default zone (UTC, Tokyo on ja-JP), the simulated DC name;
//   - status/peers numbers and addresses, the -6 precision before 2016, every /verbose line (Phase
//     Offset first, after a blank line, on every release with /query), a peer before its first poll
//     (Pending, stratum and peer poll "0 (unspecified)"), the mode from the peer's 0x8 flag, the
//     sync delay (DefaultSyncDelay), "Local CMOS Clock" untranslated; /register keeping a running
//     service running, /unregister succeeding while running, /config writing the registry before
//     /update fails;
//   - time zones: the Japanese names, the tzres.dll resource numbers, GMT for UTC in 2003's display
//     names, the UTC zone on 2003; tzutil /g printing _dstoff; the control panel applet's /Z switch
//     (exit 0 whatever happens, unknown id or no rights leaving the zone, trailing blanks ignored,
//     DisableAutoDaylightTimeSet 0 on 2003); ActiveTimeBias rewritten at each transition;
//   - host facts: the Tcpip, ComputerName and Nls values beyond their names (the NetBIOS name upper
//     case and cut at 15 characters); wmic's CR CR LF line ends in the console code page,
//     alphabetical properties, its error texts and codes, and its absence on 2025 (a feature on
//     demand there, not installed by default, as reports quoting Microsoft's list say); the OEM code
//     pages beyond 437 and 932, and their ANSI partners;
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
