package ntlmsrv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	azure "github.com/Azure/go-ntlmssp"
	bodgit "github.com/bodgit/ntlmssp"
)

// The MS-NLMP 4.2.4 NTLMv2 example: User "User", Domain "Domain", Password
// "Password", ServerChallenge 0123456789abcdef, ClientChallenge aa*8, Time 0,
// TargetInfo {NbDomainName "Domain", NbComputerName "Server"}.
var (
	specServerChallenge = [8]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	specNTResponse      = mustHex("68cd0ab851e51c96aabc927bebef6a1c" +
		"0101000000000000" + "0000000000000000" + "aaaaaaaaaaaaaaaa" + "00000000" +
		"02000c0044006f006d00610069006e00" + "01000c005300650072007600650072000000" + "0000" + "00000000")
	specNTOWFv2          = mustHex("0c868a403bfd7a93a3001ef22ef02e3f")
	specSessionBaseKey   = mustHex("8de40ccadbc14a82f15cb0ad0de95ca3")
	specEncryptedKey     = mustHex("c5dad2544fc9799094ce1ce90bc9d03e")
	specRandomSessionKey = bytes.Repeat([]byte{0x55}, 16)
	// "Plaintext" in UTF-16LE, the message every MS-NLMP sealing example uses.
	specPlaintext = toUTF16("Plaintext")
)

func TestNTOWFv2SpecVector(t *testing.T) {
	if got := ntowfV2("Password", "User", "Domain"); !bytes.Equal(got, specNTOWFv2) {
		t.Fatalf("NTOWFv2 = %x, want %x", got, specNTOWFv2)
	}
}

// specConn returns a connection waiting for the AUTHENTICATE of the MS-NLMP
// 4.2.4 example, as if it had sent a CHALLENGE with the given flags.
func specConn(flags uint32) *Conn {
	srv := &Server{TargetName: "Server", Creds: func(user, domain string) (string, bool) {
		return "Password", user == "User" && domain == "Domain"
	}}
	c := srv.NewConn()
	c.st = connState{phase: phaseChallenged, serverChallenge: specServerChallenge, flags: flags}
	return c
}

// frame wraps a signature and sealed bytes in the WinRM framing.
func frame(sig, sealed []byte, length int) []byte {
	var b bytes.Buffer
	b.WriteString("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", length)
	b.WriteString("--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n")
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(sig))))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString("--Encrypted Boundary--\r\n")
	return b.Bytes()
}

// TestSpecVectors verifies the MS-NLMP examples end to end on the server side:
// the NTLMv2 response is accepted, the session key is derived, and the client's
// sealed "Plaintext" (4.2.2.4, 4.2.3.4, 4.2.4.4) is unsealed and verified.
func TestSpecVectors(t *testing.T) {
	tests := []struct {
		name          string
		flags         uint32
		exportedKey   []byte // the key the session must end up with
		sealed, sig   []byte
		keyFromVector bool // set the session key directly (NTLMv1 examples)
	}{
		{
			name:        "NTLMv2 with KEY_EXCH, 128-bit (4.2.4.4)",
			flags:       0xe28a8235, // 0xe28a8234 as in the example, plus UNICODE for the user name
			exportedKey: specRandomSessionKey,
			sealed:      mustHex("54e50165bf1936dc996020c1811b0f06fb5f"),
			sig:         mustHex("010000007fb38ec5c55d497600000000"),
		},
		{
			name:          "extended session security without KEY_EXCH, 56-bit (4.2.3.4)",
			flags:         0x820a8233,
			exportedKey:   mustHex("eb93429a8bd952f8b89c55b87f475edc"),
			sealed:        mustHex("a02372f6530273f3aa1eb90190ce5200c99d"),
			sig:           mustHex("01000000ff2aeb52f681793a00000000"),
			keyFromVector: true,
		},
		{
			name:          "no extended session security, KEY_EXCH (4.2.2.4)",
			flags:         0xe2028233,
			exportedKey:   specRandomSessionKey,
			sealed:        mustHex("56fe04d861f9319af0d7238a2e3b4d457fb8"),
			sig:           mustHex("010000000000000009dcd1df2e459d36"),
			keyFromVector: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := specConn(tt.flags)
			if tt.keyFromVector {
				// The NTLMv1 examples derive their keys from NTLMv1 responses,
				// which this package refuses: install the session directly.
				s, err := newSession(tt.flags, tt.exportedKey)
				if err != nil {
					t.Fatal(err)
				}
				c.st = connState{phase: phaseAuthenticated, flags: tt.flags, sess: s}
			} else {
				auth := buildAuthenticate(tt.flags, make([]byte, 24), specNTResponse, "Domain", "User", specEncryptedKey)
				if _, done, err := c.Step(auth); err != nil || !done {
					t.Fatalf("Step(AUTHENTICATE) done %v, err %v", done, err)
				}
				if c.User() != "User" || c.Domain() != "Domain" {
					t.Errorf("User, Domain = %q, %q", c.User(), c.Domain())
				}
			}
			got, err := c.DecryptBody(EncryptedContentType, frame(tt.sig, tt.sealed, len(tt.sealed)))
			if err != nil {
				t.Fatalf("DecryptBody: %v", err)
			}
			if !bytes.Equal(got, specPlaintext) {
				t.Fatalf("DecryptBody = %x, want %x", got, specPlaintext)
			}
		})
	}
}

func TestSessionBaseKeySpecVector(t *testing.T) {
	// Without KEY_EXCH the exported key is the session base key; the server's
	// own sealing must then be readable by a client session built on that key.
	const flags = flagUnicode | flagSign | flagSeal | flagESS | flag128 | flagNTLM
	c := specConn(flags)
	auth := buildAuthenticate(flags, make([]byte, 24), specNTResponse, "Domain", "User", nil)
	if _, _, err := c.Step(auth); err != nil {
		t.Fatal(err)
	}
	want, err := newSession(flags, specSessionBaseKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.st.sess.out.signingKey, want.out.signingKey) || !bytes.Equal(c.st.sess.in.signingKey, want.in.signingKey) {
		t.Fatalf("signing keys differ from those of SessionBaseKey %x", specSessionBaseKey)
	}
}

// TestAzureClient runs the exchange with github.com/Azure/go-ntlmssp, the client
// behind masterzen/winrm's NTLM transport.
func TestAzureClient(t *testing.T) {
	tests := []struct {
		name       string
		user       string // as configured in the client
		password   string
		wantErr    bool
		wantUser   string
		wantDomain string
	}{
		{name: "plain user", user: "bob", password: testPassword, wantUser: "bob", wantDomain: testTarget},
		{name: "upper-case user", user: "BOB", password: testPassword, wantUser: "BOB", wantDomain: testTarget},
		{name: `DOMAIN\user`, user: `CORP\bob`, password: testPassword, wantUser: "bob", wantDomain: testTarget},
		{name: "UPN", user: "bob@corp.example", password: testPassword, wantUser: "bob@corp.example", wantDomain: ""},
		{name: "wrong password", user: "bob", password: "wrong", wantErr: true},
		{name: "password case matters", user: "bob", password: "secr3t!PASS", wantErr: true},
		{name: "unknown user", user: "mallory", password: testPassword, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log credLog
			c := testServer(&log).NewConn()
			user, domain, domainNeeded := azure.GetDomain(tt.user)
			neg, err := azure.NewNegotiateMessage(domain, "")
			if err != nil {
				t.Fatal(err)
			}
			chal, done, err := c.Step(neg)
			if err != nil || done || chal == nil {
				t.Fatalf("Step(NEGOTIATE) = %d bytes, done %v, err %v", len(chal), done, err)
			}
			flags := binary.LittleEndian.Uint32(chal[20:])
			if flags&(flagKeyExch|flagLMKey) != 0 {
				t.Fatalf("challenge flags %#x set KEY_EXCH or LM_KEY, which Azure did not ask for", flags)
			}
			auth, err := azure.ProcessChallenge(chal, user, tt.password, domainNeeded)
			if err != nil {
				t.Fatalf("Azure client rejected the challenge: %v", err)
			}
			out, done, err := c.Step(auth)
			if tt.wantErr {
				if err == nil || done || c.Authenticated() {
					t.Fatalf("Step(AUTHENTICATE) = done %v, err %v, authenticated %v; want an error", done, err, c.Authenticated())
				}
				return
			}
			if err != nil || !done || out != nil {
				t.Fatalf("Step(AUTHENTICATE) = %x, done %v, err %v", out, done, err)
			}
			if !c.Authenticated() || c.User() != tt.wantUser || c.Domain() != tt.wantDomain {
				t.Errorf("Authenticated %v, User %q, Domain %q; want true, %q, %q", c.Authenticated(), c.User(), c.Domain(), tt.wantUser, tt.wantDomain)
			}
			if got := log.last(); got != [2]string{tt.wantUser, tt.wantDomain} {
				t.Errorf("Creds asked for %q, want %q", got, [2]string{tt.wantUser, tt.wantDomain})
			}
			// Azure negotiates neither SIGN nor SEAL: no message encryption.
			if c.Sealing() {
				t.Error("Sealing() = true without SEAL")
			}
			if _, err := c.DecryptBody(EncryptedContentType, frame(make([]byte, 16), nil, 0)); !errors.Is(err, errNotSealing) {
				t.Errorf("DecryptBody without SEAL: err = %v", err)
			}
			if _, _, err := c.EncryptBody([]byte("x")); !errors.Is(err, errNotSealing) {
				t.Errorf("EncryptBody without SEAL: err = %v", err)
			}
		})
	}
}

// TestBodgitClient runs the exchange with github.com/bodgit/ntlmssp (KEY_EXCH,
// SIGN, SEAL, MIC), then exchanges sealed messages in both directions.
func TestBodgitClient(t *testing.T) {
	tests := []struct {
		name       string
		opts       []func(*bodgit.Client) error
		wantErr    bool
		wantDomain string
	}{
		{name: "no domain, version", opts: []func(*bodgit.Client) error{bodgit.SetUserInfo("bob", testPassword), bodgit.SetVersion(bodgit.DefaultVersion())}},
		{name: "no version field", opts: []func(*bodgit.Client) error{bodgit.SetUserInfo("Bob", testPassword)}},
		{name: "domain and workstation", opts: []func(*bodgit.Client) error{bodgit.SetUserInfo("bob", testPassword), bodgit.SetDomain("CORP"), bodgit.SetWorkstation("ws1"), bodgit.SetVersion(bodgit.DefaultVersion())}, wantDomain: "CORP"},
		{name: "wrong password", opts: []func(*bodgit.Client) error{bodgit.SetUserInfo("bob", "nope")}, wantErr: true},
		{name: "unknown user", opts: []func(*bodgit.Client) error{bodgit.SetUserInfo("eve", testPassword)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(nil).NewConn()
			client, err := bodgit.NewClient(tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			neg, _ := client.Authenticate(nil, nil)
			chal, _, err := c.Step(neg)
			if err != nil {
				t.Fatal(err)
			}
			if f := binary.LittleEndian.Uint32(chal[20:]); f&(flagKeyExch|flagSeal|flagSign|flagESS) != flagKeyExch|flagSeal|flagSign|flagESS {
				t.Fatalf("challenge flags %#x do not grant what bodgit asked for", f)
			}
			auth, err := client.Authenticate(chal, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, done, err := c.Step(auth)
			if tt.wantErr {
				if err == nil || done || c.Authenticated() {
					t.Fatalf("done %v, err %v; want an error", done, err)
				}
				return
			}
			if err != nil || !done {
				t.Fatalf("Step(AUTHENTICATE): done %v, err %v", done, err)
			}
			if c.Domain() != tt.wantDomain || !c.Sealing() {
				t.Errorf("Domain %q, Sealing %v", c.Domain(), c.Sealing())
			}
			exchangeSealed(t, c, client.SecuritySession(), 5)
		})
	}
}

// exchangeSealed sends n sealed requests and n sealed replies, alternating the
// bodgit and masterzen framings, proving that sequence numbers advance.
func exchangeSealed(t *testing.T, c *Conn, s *bodgit.SecuritySession, n int) {
	t.Helper()
	for i := range n {
		req := fmt.Appendf(nil, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>request %d</s:Body></s:Envelope>`, i)
		seal := bodgitSeal
		if i%2 == 1 {
			seal = masterzenSeal
		}
		ct, body := seal(t, s, req)
		got, err := c.DecryptBody(ct, body)
		if err != nil {
			t.Fatalf("message %d: DecryptBody: %v", i, err)
		}
		if !bytes.Equal(got, req) {
			t.Fatalf("message %d: DecryptBody = %q, want %q", i, got, req)
		}
		reply := fmt.Appendf(nil, "reply %d to %s", i, req)
		ct, body, err = c.EncryptBody(reply)
		if err != nil {
			t.Fatalf("message %d: EncryptBody: %v", i, err)
		}
		if ct != EncryptedContentType {
			t.Fatalf("content type %q", ct)
		}
		if got := clientUnseal(t, s, ct, body); !bytes.Equal(got, reply) {
			t.Fatalf("message %d: client read %q, want %q", i, got, reply)
		}
	}
}

// TestDecryptBodyRejects checks replays and tampering, and that a rejected body
// does not desynchronise the connection.
func TestDecryptBodyRejects(t *testing.T) {
	c := testServer(nil).NewConn()
	client := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
	s := client.SecuritySession()

	ct, first := bodgitSeal(t, s, []byte("first"))
	if _, err := c.DecryptBody(ct, first); err != nil {
		t.Fatal(err)
	}
	ct, second := bodgitSeal(t, s, []byte("second"))

	flipped := func(b []byte, from int) []byte {
		b = bytes.Clone(b)
		i := bytes.LastIndex(b, []byte("--Encrypted Boundary--")) - 1 - from
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{name: "replay of an earlier message", body: first, want: errSeqNum},
		{name: "flipped ciphertext bit", body: flipped(second, 0), want: errChecksum},
		{name: "flipped checksum bit", body: flipped(second, len("second")+8), want: errChecksum},
		{name: "flipped sequence number bit", body: flipped(second, len("second")), want: errSeqNum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.DecryptBody(ct, tt.body); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// The genuine message still decrypts after the rejected ones.
	got, err := c.DecryptBody(ct, second)
	if err != nil || string(got) != "second" {
		t.Fatalf("DecryptBody after rejections = %q, %v", got, err)
	}
}

func TestMICTampered(t *testing.T) {
	c := testServer(nil).NewConn()
	client, _ := bodgit.NewClient(bodgit.SetUserInfo("bob", testPassword), bodgit.SetVersion(bodgit.DefaultVersion()))
	neg, _ := client.Authenticate(nil, nil)
	chal, _, err := c.Step(neg)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := client.Authenticate(chal, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth[micOffset] ^= 0xff
	if _, done, err := c.Step(auth); err == nil || done {
		t.Fatalf("tampered MIC accepted: done %v, err %v", done, err)
	}
}

// TestChallengeFlags checks that the CHALLENGE grants only what was asked for,
// plus the flags Windows always sets.
func TestChallengeFlags(t *testing.T) {
	tests := []struct {
		name   string
		client uint32
		want   uint32
	}{
		{
			name:   "Azure go-ntlmssp",
			client: flagUnicode | flagESS | flagTargetInfo | flag128 | flag56 | flagVersion,
			want:   alwaysFlags | flagUnicode | flagESS | flag128 | flag56 | flagVersion,
		},
		{
			name:   "bodgit ntlmssp",
			client: flagUnicode | flagSign | flagSeal | flagAlwaysSign | flagTargetInfo | flag128 | flagKeyExch | flag56 | flagESS | flagVersion,
			want:   alwaysFlags | flagUnicode | flagSign | flagSeal | flagAlwaysSign | flag128 | flagKeyExch | flag56 | flagESS | flagVersion,
		},
		{
			name:   "LM_KEY, DATAGRAM and NON_NT_SESSION_KEY are never granted",
			client: flagOEM | flagLMKey | flagDatagram | flagNonNTKey | flagIdentify | flagAnonymous,
			want:   alwaysFlags | flagOEM,
		},
		{name: "nothing asked", client: 0, want: alwaysFlags | flagOEM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			neg := make([]byte, 32)
			copy(neg, signature)
			neg[8] = 1
			binary.LittleEndian.PutUint32(neg[12:], tt.client)
			chal, _, err := testServer(nil).NewConn().Step(neg)
			if err != nil {
				t.Fatal(err)
			}
			if got := binary.LittleEndian.Uint32(chal[20:]); got != tt.want {
				t.Fatalf("flags = %#x, want %#x", got, tt.want)
			}
			info, err := field(chal, 40)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []uint16{avNbDomainName, avNbComputerName, avDNSComputerName, avTimestamp} {
				if v, ok := findAV(info, id); !ok || len(v) == 0 {
					t.Errorf("TargetInfo lacks AV_PAIR %d", id)
				}
			}
			wantName := []byte(testTarget)
			if tt.want&flagUnicode != 0 {
				wantName = toUTF16(testTarget)
			}
			if name, _ := field(chal, 12); !bytes.Equal(name, wantName) {
				t.Errorf("TargetName = %q, want %q", name, wantName)
			}
		})
	}
}

// TestStepErrors feeds malformed and out-of-order tokens; each must fail and
// leave the connection unauthenticated.
func TestStepErrors(t *testing.T) {
	neg, _ := azure.NewNegotiateMessage("", "")
	header := func(typ uint32, n int) []byte {
		b := make([]byte, n)
		copy(b, signature)
		if n >= 12 {
			binary.LittleEndian.PutUint32(b[8:], typ)
		}
		return b
	}
	outOfBounds := header(msgAuthenticate, 64)
	putField(outOfBounds, 20, 100, 60000)
	hugeOffset := header(msgAuthenticate, 64)
	putField(hugeOffset, 36, 4, 0xfffffffe)

	tests := []struct {
		name      string
		challenge bool // send a NEGOTIATE first
		token     []byte
	}{
		{name: "empty", token: nil},
		{name: "garbage", token: []byte("hello, world, this is not NTLM")},
		{name: "SPNEGO wrapped", token: []byte{0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x1e}},
		{name: "signature only", token: signature},
		{name: "truncated NEGOTIATE", token: header(msgNegotiate, 14)},
		{name: "CHALLENGE from the client", token: header(msgChallenge, 56)},
		{name: "unknown type", token: header(7, 40)},
		{name: "AUTHENTICATE first", token: buildAuthenticate(flagUnicode, nil, specNTResponse, "", "bob", nil)},
		{name: "truncated AUTHENTICATE", challenge: true, token: header(msgAuthenticate, 40)},
		{name: "field out of bounds", challenge: true, token: outOfBounds},
		{name: "offset overflow", challenge: true, token: hugeOffset},
		{name: "anonymous", challenge: true, token: buildAuthenticate(flagUnicode|flagAnonymous, []byte{0}, nil, "", "", nil)},
		{name: "LM only", challenge: true, token: buildAuthenticate(flagUnicode, make([]byte, 24), nil, "", "bob", nil)},
		{name: "NTLMv1", challenge: true, token: buildAuthenticate(flagUnicode, make([]byte, 24), make([]byte, 24), "", "bob", nil)},
		{name: "short NTLMv2", challenge: true, token: buildAuthenticate(flagUnicode, nil, make([]byte, 40), "", "bob", nil)},
		{name: "bad blob type", challenge: true, token: buildAuthenticate(flagUnicode, nil, make([]byte, 64), "", "bob", nil)},
		{name: "odd UTF-16 user", challenge: true, token: func() []byte {
			b := buildAuthenticate(flagUnicode, nil, specNTResponse, "", "bob", nil)
			binary.LittleEndian.PutUint16(b[36:], 5)
			return b
		}()},
		{name: "wrong proof", challenge: true, token: buildAuthenticate(flagUnicode, nil, specNTResponse, "", "bob", nil)},
		{name: "KEY_EXCH without key", challenge: true, token: buildAuthenticate(flagUnicode|flagKeyExch, nil, specNTResponse, "", "bob", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(nil).NewConn()
			if tt.challenge {
				if _, _, err := c.Step(neg); err != nil {
					t.Fatal(err)
				}
			}
			out, done, err := c.Step(tt.token)
			if err == nil || done || out != nil {
				t.Fatalf("Step = %x, done %v, err %v; want an error", out, done, err)
			}
			if c.Authenticated() || c.User() != "" {
				t.Fatal("connection authenticated after an error")
			}
		})
	}
}

// TestReauthentication: a NEGOTIATE on an authenticated connection starts over
// (masterzen/winrm's encryption does this on every SOAP message), a failed
// attempt leaves it unauthenticated, and a new exchange gets fresh keys.
func TestReauthentication(t *testing.T) {
	c := testServer(nil).NewConn()
	first := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
	exchangeSealed(t, c, first.SecuritySession(), 2)

	second := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
	exchangeSealed(t, c, second.SecuritySession(), 2)

	// Messages sealed with the old session no longer verify.
	ct, body := bodgitSeal(t, first.SecuritySession(), []byte("stale"))
	if _, err := c.DecryptBody(ct, body); err == nil {
		t.Fatal("message sealed with a previous session accepted")
	}

	neg, _ := azure.NewNegotiateMessage("", "")
	if _, _, err := c.Step(neg); err != nil {
		t.Fatal(err)
	}
	if c.Authenticated() || c.Sealing() {
		t.Fatal("still authenticated after a new NEGOTIATE")
	}
	// A second AUTHENTICATE for the same challenge is refused.
	c2 := testServer(nil).NewConn()
	client, _ := bodgit.NewClient(bodgit.SetUserInfo("bob", testPassword))
	n, _ := client.Authenticate(nil, nil)
	chal, _, _ := c2.Step(n)
	auth, _ := client.Authenticate(chal, nil)
	if _, done, err := c2.Step(auth); err != nil || !done {
		t.Fatal(err)
	}
	if _, _, err := c2.Step(auth); err == nil || c2.Authenticated() {
		t.Fatal("replayed AUTHENTICATE accepted")
	}
}
