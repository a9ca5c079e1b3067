package winhost

// This file gathers behaviour the reference (windows-time.md) marks [inferred], or that no transcript
// shows at all, so it can be corrected in one place once a real host is observed.

// Exit codes.
const (
	// exitCanceled is what Exec reports when ctx ends a command (a hung one, or one not yet run).
	exitCanceled = 1
	// exitSyntax is cmd.exe's errorlevel after a parse error ("... was unexpected at this time.").
	exitSyntax = 255
	// exitNotRecognized is cmd.exe's errorlevel for an unknown program [seen].
	exitNotRecognized = 9009
	// exitReg is reg.exe's failure code [seen: 1].
	exitReg = 1
	// exitNet is net.exe's failure code [seen: 2].
	exitNet = 2
	// exitSCUsage is sc.exe's exit code after printing a command's usage (ERROR_INVALID_COMMAND_LINE)
	// [inferred].
	exitSCUsage = 1639
	// exitLineTooLong is cmd.exe's exit code when it refuses a line over maxLine characters [inferred:
	// the limit and the message are documented, the code is not].
	exitLineTooLong = 1
)

// HRESULTs w32tm reports.
const (
	hrAccessDenied     uint32 = 0x80070005
	hrFileNotFound     uint32 = 0x80070002
	hrInvalidParameter uint32 = 0x80070057
	hrServiceNotExist  uint32 = 0x80070424
	hrServiceNotActive uint32 = 0x80070426
	// hrNoTimeData is what "w32tm /resync" exits with when the service had no time data to resync
	// from [inferred: HRESULT_FROM_WIN32(ERROR_TIMEOUT)].
	hrNoTimeData uint32 = 0x800705B4
)

// defaultStart is W32Time's start type on a fresh host, and whether it has the domain-join trigger
// start. From 2008 R2 on a workgroup server has a manual, trigger-started W32Time [seen: KB 2385818;
// the triggers seen in the sc.exe documentation] and a domain member or controller an automatic one
// [inferred: no trigger there]. 2003 and 2008 start it automatically in every role [inferred].
func defaultStart(p Profile, role Role) (start uint32, trigger bool) {
	if role == Standalone && p.atLeast(P2008R2) {
		return startDemand, true
	}
	return startAuto, false
}

// w32tmExitCode is the process exit code of a failing w32tm [inferred]: w32tm returns its HRESULT from
// main, so the code is the HRESULT read as an unsigned 32-bit number (0x80070426 = 2147943462).
func w32tmExitCode(hr uint32) int { return int(hr) }

// defaultTimeZone is a fresh host's zone [inferred: a server image per locale].
func defaultTimeZone(l Locale) timeZone {
	id := "UTC"
	if l == JaJP {
		id = "Tokyo Standard Time"
	}
	tz, _ := findTimeZone(id)
	return tz
}

// simDCPrefix is the host name of the domain controller a member synchronises from [inferred], in
// the host's DNS domain.
const simDCPrefix = "DC01"

// msg identifies a localised message.
type msg int

const (
	mCmdOK msg = iota
	mErrorOccurred
	mErrAccessDenied
	mErrFileNotFound
	mErrInvalidParameter
	mErrServiceNotExist
	mErrServiceNotActive
	mCommandUnknown
	mResyncSending
	mResyncNoData
	mRegistered
	mUnregistered
	mNetStarting
	mNetStarted
	mNetStopping
	mNetStopped
	mNetAlreadyStarted
	mNetNotStarted
	mNetInvalidName
	mNetHelp
	mNetSysErr5
	mNetSysErr1058
	mNetDisabled
	mNetAccessDenied
	mNetStartedList
	mRegOK
	mRegNotFound
	mRegAccessDenied
	mRegInvalidSyntax
	mRegInvalidKey
	mRegCanceled
	mRegOverwrite
	mRegDeleteValue
	mRegDeleteKey
	mNotRecognized1
	mNotRecognized2
	mEchoOn
	mSyntaxIncorrect
	mUnexpected
	mSCNotExist
	mTzInvalid
	mLocal
	mPolicy
	mConfiguration
	mTimeProviders
	mLeap
	mLeapUnsync
	mStratumSynced
	mStratumNone
	mPrecision
	mRootDelay
	mRootDispersion
	mReferenceID
	mLastSync
	mUnspecified
	mSource
	mPollInterval
	mLocalCMOS
	mPeersCount
	mPeer
	mState
	mStateActive
	mTimeRemaining
	mMode
	mPeerPoll
	mHostPoll
	mPeerStratum
	mLineTooLong
	mLeapNone
	mRefSourceIP
	mRefUnspecified
	mPhaseOffset
	mClockRate
	mStateMachine
	mStateSync
	mStateUnset
	mTimeSourceFlags
	mServerRole
	mRoleNone
	mRoleTimeService
	mLastSyncError
	mSinceLastGoodSync
	mStatePending
	mModeClient
	mModeSymmetric
	mPeerStratumNone
	mPeerPollNone
)

// messages holds each text in en-US and ja-JP. Which are [seen] is noted; everything else, and every
// Japanese text not noted, is [inferred]. %s and %d are filled in by the caller.
var messages = map[msg][2]string{
	mCmdOK:               {"The command completed successfully.", "コマンドは正しく完了しました。"},                 // [seen both]
	mErrorOccurred:       {"The following error occurred: %s (0x%08X)", "次のエラーが発生しました: %s (0x%08X)"}, // en [seen]
	mErrAccessDenied:     {"Access is denied.", "アクセスが拒否されました。"},                                     // en [seen]
	mErrFileNotFound:     {"The system cannot find the file specified.", "指定されたファイルが見つかりません。"},
	mErrInvalidParameter: {"The parameter is incorrect.", "パラメーターが間違っています。"},
	mErrServiceNotExist:  {"The specified service does not exist as an installed service.", "指定されたサービスはインストールされたサービスとして存在しません。"}, // en [seen]
	mErrServiceNotActive: {"The service has not been started.", "サービスは開始されていません。"},                                               // en [seen]
	mCommandUnknown:      {"The command %s is unknown.", "コマンド %s は不明です。"},                                                       // en [seen]
	mResyncSending:       {"Sending resync command to local computer", "ローカル コンピューターに再同期コマンドを送信しています"},                           // en [seen]
	mResyncNoData:        {"The computer did not resync because no time data was available.", "利用可能なタイム データがなかったため、コンピューターは再同期しませんでした。"},
	mRegistered:          {"W32Time successfully registered.", "W32Time は正しく登録されました。"},
	mUnregistered:        {"W32Time successfully unregistered.", "W32Time は正しく登録解除されました。"},
	mNetStarting:         {"The %s service is starting.", "%s サービスを開始します."},                   // en [seen]
	mNetStarted:          {"The %s service was started successfully.", "%s サービスは正常に開始されました。"}, // en [seen]
	mNetStopping:         {"The %s service is stopping.", "%s サービスを停止中です."},                   // en [seen]
	mNetStopped:          {"The %s service was stopped successfully.", "%s サービスは正常に停止されました。"}, // en [seen]
	mNetAlreadyStarted:   {"The requested service has already been started.", "要求されたサービスは既に開始されています。"},
	mNetNotStarted:       {"The %s service is not started.", "%s サービスは開始されていません。"},
	mNetInvalidName:      {"The service name is invalid.", "サービス名が無効です。"},
	mNetHelp:             {"More help is available by typing NET HELPMSG %d.", "NET HELPMSG %d と入力すると、より詳しい説明が得られます。"},
	mNetSysErr5:          {"System error 5 has occurred.", "システム エラー 5 が発生しました。"},
	mNetAccessDenied:     {"Access is denied.", "アクセスが拒否されました。"},
	mNetSysErr1058:       {"System error 1058 has occurred.", "システム エラー 1058 が発生しました。"}, // net.exe's frame, as for error 5
	// en [seen: the Win32 text of ERROR_SERVICE_DISABLED]
	mNetDisabled: {"The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.",
		"サービスを開始できません。サービスが無効であるか、サービスに関連付けられた有効なデバイスがないことが原因です。"},
	mNetStartedList:   {"These Windows services are started:", "次の Windows サービスは開始されています:"},
	mRegOK:            {"The operation completed successfully.", "この操作を正しく終了しました。"},
	mRegNotFound:      {"ERROR: The system was unable to find the specified registry key or value.", "エラー: 指定されたレジストリ キーまたは値が見つかりませんでした。"},
	mRegAccessDenied:  {"ERROR: Access is denied.", "エラー: アクセスが拒否されました。"},
	mRegInvalidSyntax: {"ERROR: Invalid syntax.\r\nType \"REG %s /?\" for usage.", "エラー: 無効な構文です。\r\n使用法については、\"REG %s /?\" と入力してください。"},
	mRegInvalidKey:    {"ERROR: Invalid key name.\r\nType \"REG %s /?\" for usage.", "エラー: 無効なキー名です。\r\n使用法については、\"REG %s /?\" と入力してください。"},
	mRegCanceled:      {"The operation was canceled by the user.", "操作はユーザーによって取り消されました。"},
	mRegOverwrite:     {"Value %s exists, overwrite(Yes/No)? ", "値 %s は存在します。上書きしますか (Yes/No)? "},
	mRegDeleteValue:   {"Delete the registry value %s (Yes/No)? ", "レジストリ値 %s を削除しますか (Yes/No)? "},
	mRegDeleteKey:     {"Permanently delete the registry key %s (Yes/No)? ", "レジストリ キー %s を完全に削除しますか (Yes/No)? "},
	mNotRecognized1:   {"'%s' is not recognized as an internal or external command,", "'%s' は、内部コマンドまたは外部コマンド、"}, // [seen both]
	mNotRecognized2:   {"operable program or batch file.", "操作可能なプログラムまたはバッチ ファイルとして認識されていません。"},                 // [seen both]
	mEchoOn:           {"ECHO is on.", "ECHO は <ON> です。"},
	mSyntaxIncorrect:  {"The syntax of the command is incorrect.", "コマンドの構文が誤っています。"},
	mUnexpected:       {"%s was unexpected at this time.", "このときは、%s は予期されていませんでした。"},
	mSCNotExist:       {"The specified service does not exist as an installed service.", "指定されたサービスはインストールされたサービスとして存在しません。"},
	mTzInvalid:        {"Invalid time zone identifier.", "タイム ゾーン識別子が無効です。"},
	mLocal:            {"(Local)", "(ローカル)"},  // en [seen]
	mPolicy:           {"(Policy)", "(ポリシー)"}, // en [seen]
	mConfiguration:    {"[Configuration]", "[構成]"},
	mTimeProviders:    {"[TimeProviders]", "[タイム プロバイダー]"},
	// /query /status: every text [seen] in both languages (windows-time.md sections 4 and 8) except
	// where noted. Japanese puts a space before the leap indicator's bracket, English does not.
	mLeap:           {"Leap Indicator: %s", "閏インジケーター: %s"},
	mLeapNone:       {"0(no warning)", "0 (警告なし)"},
	mLeapUnsync:     {"3(not synchronized)", "3 (同期未実行)"},
	mStratumSynced:  {"Stratum: %d (secondary reference - syncd by (S)NTP)", "階層: %d (二次参照 - (S)NTP で同期)"},
	mStratumNone:    {"Stratum: 0 (unspecified)", "階層: 0 (未指定)"},
	mPrecision:      {"Precision: %d (%s per tick)", "精度: %d (ティックごとに %s)"},
	mRootDelay:      {"Root Delay: %s", "ルート遅延: %s"},
	mRootDispersion: {"Root Dispersion: %s", "ルート分散: %s"},
	mRefSourceIP:    {"0x%08X (source IP:  %s)", "0x%08X (ソース IP:  %s)"},
	mRefUnspecified: {"0x00000000 (unspecified)", "0x00000000 (未指定)"}, // ja [inferred]
	mReferenceID:    {"ReferenceId: %s", "参照 ID: %s"},
	mLastSync:       {"Last Successful Sync Time: %s", "最終正常同期時刻: %s"},
	mUnspecified:    {"unspecified", "未指定"},
	mSource:         {"Source: %s", "ソース: %s"},
	mPollInterval:   {"Poll Interval: %d (%ds)", "ポーリング間隔: %d (%ds)"},
	mLocalCMOS:      {"Local CMOS Clock", "Local CMOS Clock"}, // ja [inferred: not translated]
	// /query /status /verbose [inferred, both languages].
	mPhaseOffset:       {"Phase Offset: %s", "位相オフセット: %s"},
	mClockRate:         {"ClockRate: %s", "クロック レート: %s"},
	mStateMachine:      {"State Machine: %s", "ステート マシン: %s"},
	mStateSync:         {"2 (Sync)", "2 (同期)"},
	mStateUnset:        {"0 (Unset)", "0 (未設定)"},
	mTimeSourceFlags:   {"Time Source Flags: 0 (None)", "タイム ソース フラグ: 0 (なし)"},
	mServerRole:        {"Server Role: %s", "サーバーの役割: %s"},
	mRoleNone:          {"0 (None)", "0 (なし)"},
	mRoleTimeService:   {"64 (Time Service)", "64 (タイム サービス)"},
	mLastSyncError:     {"Last Sync Error: %d (%s)", "最終同期エラー: %d (%s)"},
	mSinceLastGoodSync: {"Time since Last Good Sync Time: %s", "最終正常同期時刻からの経過時間: %s"},
	// /query /peers [inferred, both languages].
	mPeersCount:      {"#Peers: %d", "#ピア: %d"},
	mPeer:            {"Peer: %s", "ピア: %s"},
	mState:           {"State: %s", "状態: %s"},
	mStateActive:     {"Active", "アクティブ"},
	mTimeRemaining:   {"Time Remaining: %s", "残り時間: %s"},
	mMode:            {"Mode: %s", "モード: %s"},
	mModeClient:      {"3 (Client)", "3 (クライアント)"},
	mModeSymmetric:   {"1 (Symmetric Active)", "1 (対称アクティブ)"},
	mStatePending:    {"Pending", "保留中"},
	mPeerStratumNone: {"Stratum: 0 (unspecified)", "階層: 0 (未指定)"},
	mPeerPollNone:    {"PeerPoll Interval: 0 (unspecified)", "ピア ポーリング間隔: 0 (未指定)"},
	mPeerPoll:        {"PeerPoll Interval: %d (%ds)", "ピア ポーリング間隔: %d (%ds)"},
	mHostPoll:        {"HostPoll Interval: %d (%ds)", "ホスト ポーリング間隔: %d (%ds)"},
	mPeerStratum:     {"Stratum: %d (secondary reference - syncd by (S)NTP)", "階層: %d (二次参照 - (S)NTP で同期)"},
	mLineTooLong:     {"The command line is too long.", "コマンド ラインが長すぎます。"}, // en [documented]
}
