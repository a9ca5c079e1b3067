package wintime

import (
	"strings"
	"testing"
)

func TestParseSyncRead(t *testing.T) {
	params := "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters\r\n" +
		"    NtpServer    REG_SZ    time.windows.com,0x9\r\n    Type    REG_SZ    NTP\r\n\r\n"
	running := "\r\nSERVICE_NAME: w32time\r\n        STATE              : 4  RUNNING\r\n"
	stopped := "\r\nSERVICE_NAME: w32time\r\n        STATE              : 1  STOPPED\r\n"
	tests := []struct {
		name                     string
		out                      string
		wantStatus, wantPeers    bool
		wantSynced               bool
		wantBias                 int
		wantService              ServiceState
		wantErr                  string
		wantLastSync, wantSource string
	}{
		{"Japanese host, synchronised", verOut + params + running + tzTokyoDSTOff + statusJaSynced + peersJa,
			true, true, true, -540, ServiceRunning, "", "2022-01-09T16:45:54Z", "dc01.example.local"},
		{"service stopped", verOut + params + stopped + tz2022 +
			"The following error occurred: The service has not been started. (0x80070426)\r\n" +
			"The following error occurred: The service has not been started. (0x80070426)\r\n",
			false, false, false, 420, ServiceStopped, "", "", ""},
		{"Server 2003", "\r\nMicrosoft Windows [Version 5.2.3790]\r\n" + params + running + tz2003En +
			"The command /query is unknown.\r\nThe command /query is unknown.\r\n",
			false, false, false, -60, ServiceRunning, "", "", ""},
		{"broken peer list", verOut + params + running + tz2022 + statusEnSynced + "#Peers: 3\r\n\r\n",
			true, false, false, 420, ServiceRunning, "counted 3 peers", "", ""},
		{"no ver", statusEnSynced, false, false, false, 0, "", "no Windows version", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseSyncRead(tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (r.Status != nil) != tc.wantStatus || (r.Peers != nil) != tc.wantPeers || r.BiasMinutes != tc.wantBias ||
				!r.HasBias || r.State.Service != tc.wantService {
				t.Fatalf("ParseSyncRead = %+v", r)
			}
			if r.Status != nil {
				if r.Status.Synchronized() != tc.wantSynced || r.Status.Source != tc.wantSource ||
					r.Status.LastSyncTime.Format("2006-01-02T15:04:05Z07:00") != tc.wantLastSync {
					t.Errorf("status = %+v", *r.Status)
				}
			}
		})
	}
}

func TestConfiguredSource(t *testing.T) {
	peers := []Peer{{"a.example", 0x9}, {"b.example", 0x8}}
	tests := []struct {
		name string
		s    State
		want string
	}{
		{"NTP", State{Local: Settings{Type: NTP, Peers: peers}}, "a.example,0x9 b.example,0x8"},
		{"AllSync", State{Local: Settings{Type: AllSync, Peers: peers}}, "a.example,0x9 b.example,0x8"},
		{"NT5DS", State{Local: Settings{Type: NT5DS, Peers: peers}}, ""},
		{"NoSync", State{Local: Settings{Type: NoSync, Peers: peers}}, ""},
		{"policy wins", State{Local: Settings{Type: NT5DS}, PolicyType: NTP, PolicyPeers: peers[1:]}, "b.example,0x8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ConfiguredSource(tc.s); got != tc.want {
				t.Errorf("ConfiguredSource = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSyncReadCommand(t *testing.T) {
	line := SyncReadCommand()
	if !strings.HasPrefix(line, ReadCommand()+" & ") || !strings.HasSuffix(line, "w32tm /query /status /verbose & w32tm /query /peers") ||
		!strings.Contains(line, `TimeZoneInformation" /v ActiveTimeBias`) {
		t.Errorf("SyncReadCommand() = %q", line)
	}
	if err := CheckCommandLine(line); err != nil {
		t.Error(err)
	}
}
