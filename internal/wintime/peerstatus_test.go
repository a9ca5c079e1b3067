package wintime

import (
	"reflect"
	"strings"
	"testing"
)

const (
	peersEn = "#Peers: 2\r\n\r\n" +
		"Peer: time.windows.com,0x9\r\nState: Active\r\nTime Remaining: 1510.9914014s\r\nMode: 3 (Client)\r\n" +
		"Stratum: 2 (secondary reference - syncd by (S)NTP)\r\nPeerPoll Interval: 10 (1024s)\r\nHostPoll Interval: 10 (1024s)\r\n\r\n" +
		"Peer: 192.0.2.1,0xa\r\nState: Pending\r\nTime Remaining: 0.0000000s\r\nMode: 1 (Symmetric Active)\r\n" +
		"Stratum: 0 (unspecified)\r\nPeerPoll Interval: 0 (unspecified)\r\nHostPoll Interval: 6 (64s)\r\n\r\n"
	// peersJa is the simulator's Japanese text for a member of a domain.
	peersJa = "#ピア: 1\r\n\r\n" +
		"ピア: DC01.corp.example.com\r\n状態: アクティブ\r\n残り時間: 1510.9914014s\r\nモード: 3 (クライアント)\r\n" +
		"階層: 2 (二次参照 - (S)NTP で同期)\r\nピア ポーリング間隔: 10 (1024s)\r\nホスト ポーリング間隔: 10 (1024s)\r\n\r\n"
)

func TestParsePeerStatus(t *testing.T) {
	windows := PeerStatus{Peer: Peer{"time.windows.com", 0x9}, Raw: "time.windows.com,0x9", State: "Active",
		TimeRemaining: 1510.9914014, Mode: 3, Stratum: 2, PeerPoll: 10, HostPoll: 10, PeerPollSeconds: 1024, HostPollSeconds: 1024}
	tests := []struct {
		name      string
		out       string
		want      []PeerStatus
		wantFound bool
		wantErr   string
	}{
		{"English, two peers", peersEn, []PeerStatus{windows, {Peer: Peer{"192.0.2.1", 0xa}, Raw: "192.0.2.1,0xa", State: "Pending",
			Mode: 1, HostPoll: 6, HostPollSeconds: 64}}, true, ""},
		{"Japanese domain peer", peersJa, []PeerStatus{{Peer: Peer{Address: "DC01.corp.example.com"}, Raw: "DC01.corp.example.com",
			State: "アクティブ", TimeRemaining: 1510.9914014, Mode: 3, Stratum: 2, PeerPoll: 10, HostPoll: 10,
			PeerPollSeconds: 1024, HostPollSeconds: 1024}}, true, ""},
		{"no peers", "#Peers: 0\r\n\r\n", []PeerStatus{}, true, ""},
		{"verbose lines after each block", strings.Replace(peersEn, "HostPoll Interval: 10 (1024s)\r\n",
			"HostPoll Interval: 10 (1024s)\r\nLast Successful Sync Time: 9/5/2024 3:45:06 PM\r\n", 1), []PeerStatus{windows,
			{Peer: Peer{"192.0.2.1", 0xa}, Raw: "192.0.2.1,0xa", State: "Pending", Mode: 1, HostPoll: 6, HostPollSeconds: 64}}, true, ""},
		{"after other output", statusEnSynced + "\r\n" + peersJa, []PeerStatus{{Peer: Peer{Address: "DC01.corp.example.com"},
			Raw: "DC01.corp.example.com", State: "アクティブ", TimeRemaining: 1510.9914014, Mode: 3, Stratum: 2, PeerPoll: 10,
			HostPoll: 10, PeerPollSeconds: 1024, HostPollSeconds: 1024}}, true, ""},
		{"Server 2003", "The command /query is unknown.\r\n", nil, false, ""},
		{"fewer blocks than counted", strings.Replace(peersJa, "#ピア: 1", "#ピア: 2", 1), nil, true, "counted 2 peers but printed 1"},
		{"block too short", "#Peers: 1\r\n\r\nPeer: a\r\nState: Active\r\n", nil, true, "2 lines, not the 7 expected"},
		{"line of the wrong shape", strings.Replace(peersJa, "モード: 3 (クライアント)", "モード: クライアント", 1), nil, true, "line 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := ParsePeerStatus(tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || found != tc.wantFound || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParsePeerStatus = %+v, %v, %v; want %+v, %v", got, found, err, tc.want, tc.wantFound)
			}
		})
	}
}
