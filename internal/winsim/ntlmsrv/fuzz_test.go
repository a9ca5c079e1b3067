package ntlmsrv

import (
	"testing"

	azure "github.com/Azure/go-ntlmssp"
	bodgit "github.com/bodgit/ntlmssp"
)

// FuzzStep feeds arbitrary tokens to a fresh connection and to one waiting for
// an AUTHENTICATE. Nothing may panic, and only a genuine exchange authenticates.
func FuzzStep(f *testing.F) {
	azureNeg, _ := azure.NewNegotiateMessage("CORP", "")
	f.Add(azureNeg)
	bc, _ := bodgit.NewClient(bodgit.SetUserInfo("bob", testPassword), bodgit.SetDomain("CORP"), bodgit.SetVersion(bodgit.DefaultVersion()))
	bodgitNeg, _ := bc.Authenticate(nil, nil)
	f.Add(bodgitNeg)
	c := testServer(nil).NewConn()
	chal, _, _ := c.Step(bodgitNeg)
	f.Add(chal)
	bodgitAuth, _ := bc.Authenticate(chal, nil)
	f.Add(bodgitAuth)
	azureAuth, _ := azure.ProcessChallenge(chal, "bob", testPassword, true)
	f.Add(azureAuth)
	f.Add(buildAuthenticate(0xe28a8235, make([]byte, 24), specNTResponse, "Domain", "User", specEncryptedKey))
	f.Add([]byte{})
	f.Add([]byte("NTLMSSP\x00\x03\x00\x00\x00"))
	f.Add([]byte{0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02})

	f.Fuzz(func(t *testing.T, token []byte) {
		fresh := testServer(nil).NewConn()
		fresh.Step(token)
		fresh.User()
		fresh.Sealing()

		waiting := testServer(nil).NewConn()
		if _, _, err := waiting.Step(bodgitNeg); err != nil {
			t.Fatal(err)
		}
		// Every AUTHENTICATE needs the random challenge of this very
		// connection: the fuzzer cannot produce one.
		if _, done, _ := waiting.Step(token); done || waiting.Authenticated() {
			t.Fatal("arbitrary token authenticated")
		}
	})
}

// FuzzDecryptBody feeds arbitrary bodies to an authenticated, sealing connection.
func FuzzDecryptBody(f *testing.F) {
	c := testServer(nil).NewConn()
	client := authenticateBodgit(f, c, bodgit.SetUserInfo("bob", testPassword))
	_, good := masterzenSeal(f, client.SecuritySession(), []byte("<s:Envelope>hi</s:Envelope>"))
	_, bodgitFramed := bodgitSeal(f, client.SecuritySession(), []byte("<s:Envelope>hi</s:Envelope>"))
	for _, seed := range []struct {
		ct   string
		body []byte
	}{
		{EncryptedContentType, good},
		{EncryptedContentType, bodgitFramed},
		{EncryptedContentType, good[:len(good)/2]},
		{EncryptedContentType, []byte("--Encrypted Boundary\r\n--Encrypted Boundary--\r\n")},
		{`multipart/x-multi-encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="b"`, []byte("--b\r\n\tOriginalContent: Length=99999999999999999999\r\n--b--")},
		{"application/soap+xml", []byte("<s:Envelope/>")},
		{"", nil},
	} {
		f.Add(seed.ct, seed.body)
	}

	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		c := testServer(nil).NewConn()
		client := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
		c.DecryptBody(ct, body)
		// Whatever happened, a genuine message still goes through.
		ctGood, next := masterzenSeal(t, client.SecuritySession(), []byte("next"))
		if got, err := c.DecryptBody(ctGood, next); err != nil || string(got) != "next" {
			t.Fatalf("genuine message after fuzz input: %q, %v", got, err)
		}
	})
}
