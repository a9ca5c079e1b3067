package ntlmsrv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	bodgit "github.com/bodgit/ntlmssp"
)

func TestIsEncrypted(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{EncryptedContentType, true},
		{`multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`, true},
		{`Multipart/Encrypted; protocol="application/http-spnego-session-encrypted"; boundary="Encrypted Boundary"`, true},
		{`multipart/x-multi-encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`, true},
		{`multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted"`, true},
		{`multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted";boundary="Encrypted Boundary"`, false},
		{"application/soap+xml;charset=UTF-8", false},
		{"", false},
		{`multipart/encrypted;protocol="unterminated`, false},
	}
	for _, tt := range tests {
		if got := IsEncrypted(tt.ct); got != tt.want {
			t.Errorf("IsEncrypted(%q) = %v, want %v", tt.ct, got, tt.want)
		}
	}
}

// TestDecryptBodyFraming covers the framing variants a server must read and the
// malformed bodies it must refuse, each on a fresh sealed connection.
func TestDecryptBodyFraming(t *testing.T) {
	const msg = "<s:Envelope>hello</s:Envelope>"
	tests := []struct {
		name    string
		ct      string
		body    func(good []byte) []byte
		wantErr bool
	}{
		{name: "as sealed", body: func(b []byte) []byte { return b }},
		{name: "CRLF before closing boundary", body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("--Encrypted Boundary--"), []byte("\r\n--Encrypted Boundary--"), 1)
		}},
		{name: "blank line after octet-stream header", body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("octet-stream\r\n"), []byte("octet-stream\r\n\r\n"), 1)
		}},
		{name: "headers without tabs, blank line", body: func(b []byte) []byte {
			b = bytes.ReplaceAll(b, []byte("\tContent-Type"), []byte("Content-Type"))
			return bytes.Replace(b, []byte("Length=30\r\n"), []byte("Length=30\r\n\r\n"), 1)
		}},
		{name: "no trailing CRLF", body: func(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\r\n")) }},
		{name: "other boundary", ct: `multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="xyz"`, body: func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte("Encrypted Boundary"), []byte("xyz"))
		}},
		{name: "wrong content type", ct: "application/soap+xml", body: func(b []byte) []byte { return b }, wantErr: true},
		{name: "empty", body: func([]byte) []byte { return nil }, wantErr: true},
		{name: "only closing boundary", body: func([]byte) []byte { return []byte("--Encrypted Boundary--\r\n") }, wantErr: true},
		{name: "missing OriginalContent", body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("OriginalContent"), []byte("X-Other"), 1)
		}, wantErr: true},
		{name: "bad Length", body: func(b []byte) []byte { return bytes.Replace(b, []byte("Length=30"), []byte("Length=x"), 1) }, wantErr: true},
		{name: "negative Length", body: func(b []byte) []byte { return bytes.Replace(b, []byte("Length=30"), []byte("Length=-5"), 1) }, wantErr: true},
		{name: "wrong part protocol", body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("Type: application/HTTP-SPNEGO"), []byte("Type: application/HTTP-Kerberos"), 1)
		}, wantErr: true},
		{name: "wrong payload type", body: func(b []byte) []byte { return bytes.Replace(b, []byte("octet-stream"), []byte("text/plain"), 1) }, wantErr: true},
		{name: "wrong signature length", body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("octet-stream\r\n\x10"), []byte("octet-stream\r\n\x11"), 1)
		}, wantErr: true},
		{name: "truncated", body: func(b []byte) []byte { return b[:len(b)-40] }, wantErr: true},
		{name: "truncated in headers", body: func(b []byte) []byte { return b[:60] }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(nil).NewConn()
			client := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
			ct, good := masterzenSeal(t, client.SecuritySession(), []byte(msg))
			if tt.ct != "" {
				ct = tt.ct
			}
			got, err := c.DecryptBody(ct, tt.body(good))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DecryptBody accepted it: %q", got)
				}
				return
			}
			if err != nil || string(got) != msg {
				t.Fatalf("DecryptBody = %q, %v", got, err)
			}
		})
	}
}

// TestMultiEncrypted reads a body holding two sealed messages, as
// multipart/x-multi-encrypted carries them.
func TestMultiEncrypted(t *testing.T) {
	c := testServer(nil).NewConn()
	client := authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
	_, a := masterzenSeal(t, client.SecuritySession(), []byte("first half, "))
	_, b := masterzenSeal(t, client.SecuritySession(), []byte("second half"))
	body := append(bytes.TrimSuffix(a, []byte("--Encrypted Boundary--\r\n")), b...)
	ct := strings.Replace(EncryptedContentType, "multipart/encrypted", "multipart/x-multi-encrypted", 1)
	got, err := c.DecryptBody(ct, body)
	if err != nil || string(got) != "first half, second half" {
		t.Fatalf("DecryptBody = %q, %v", got, err)
	}
}

func TestEncryptBodyFormat(t *testing.T) {
	c := testServer(nil).NewConn()
	if _, _, err := c.EncryptBody([]byte("x")); !errors.Is(err, errNotSealing) {
		t.Fatalf("EncryptBody before authentication: %v", err)
	}
	authenticateBodgit(t, c, bodgit.SetUserInfo("bob", testPassword))
	ct, body, err := c.EncryptBody([]byte("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	if ct != EncryptedContentType {
		t.Errorf("content type %q", ct)
	}
	const head = "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n" +
		"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=10\r\n" +
		"--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00\x01\x00\x00\x00"
	if !bytes.HasPrefix(body, []byte(head)) || !bytes.HasSuffix(body, []byte("--Encrypted Boundary--\r\n")) {
		t.Errorf("body %q does not have the Windows framing", body)
	}
	if want := len(head) - 4 + 16 + 10 + len("--Encrypted Boundary--\r\n"); len(body) != want {
		t.Errorf("body length %d, want %d", len(body), want)
	}
}
