// Package winhost is a simulated Windows Server machine for the WinRM simulator: a registry, the
// W32Time service, an OS profile (2003 to 2025), a domain role, a locale, a cmd.exe command-line parser
// and the programs the provider runs (ver, reg, w32tm, net, sc, tzutil, echo, exit, cmd). It is pure Go,
// does no I/O, and imports nothing else from this module.
//
// Machine.Exec runs one command line as the WinRM cmd shell does and returns stdout, stderr (encoded in
// the console code page) and the exit code. Every command line is recorded (History). Tests change the
// host behind the provider's back through GetValue/SetString/SetDWord/DeleteValue/DeleteKey,
// SetServiceRunning, SetElevated and SetHang.
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
//   - status/peers numbers, /resync without a source exiting 0, /register keeping a running service
//     running, /unregister succeeding while running, /config writing the registry before /update fails;
//   - w32tm reads configuration live from the registry (a real service rereads only on /update or start);
//   - cmd.exe: exit 255 on a syntax error, a missing ")" closing at the end of the line, the precedence
//     & < || < && < |, cmd /c stripping the first and last quote.
//
// Not emulated: w32tm /monitor, /stripchart, /ntte, /ntpte, /debug (reported as unknown commands),
// %VAR:~n,m% substrings, delayed expansion, SET, IF, FOR, and reading standard input.
package winhost
