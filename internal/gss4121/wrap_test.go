package gss4121

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

func randomKey(t *testing.T, etype int32, size int) types.EncryptionKey {
	t.Helper()
	k := make([]byte, size)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: k}
}

// pair returns an initiator's and an acceptor's context sharing key, the initiator starting at
// sequence number 7 and the acceptor at 1000, as an authenticator and an AP-REP would set them.
func pair(t *testing.T, key types.EncryptionKey, subkey bool) (initiator, acceptor *Context) {
	t.Helper()
	var err error
	initiator, err = New(Config{Key: key, AcceptorSubkey: subkey, SendSeq: 7, RecvSeq: 1000})
	if err != nil {
		t.Fatal(err)
	}
	acceptor, err = New(Config{Key: key, Acceptor: true, AcceptorSubkey: subkey, SendSeq: 1000, RecvSeq: 7})
	if err != nil {
		t.Fatal(err)
	}
	return initiator, acceptor
}

var etypes = []struct {
	name    string
	id      int32
	keySize int
	rrc     int
}{
	{"aes256-cts-hmac-sha1-96", etypeID.AES256_CTS_HMAC_SHA1_96, 32, 28},
	{"aes128-cts-hmac-sha1-96", etypeID.AES128_CTS_HMAC_SHA1_96, 16, 28},
	{"aes128-cts-hmac-sha256-128", etypeID.AES128_CTS_HMAC_SHA256_128, 16, 32},
}

// TestRoundTrip: messages of every size go both ways, in sequence, under each AES type.
func TestRoundTrip(t *testing.T) {
	for _, et := range etypes {
		for _, subkey := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/acceptor subkey %v", et.name, subkey), func(t *testing.T) {
				ini, acc := pair(t, randomKey(t, et.id, et.keySize), subkey)
				for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 1000, 70000} {
					msg := bytes.Repeat([]byte{byte(n)}, n)
					for _, dir := range []struct {
						name     string
						from, to *Context
					}{{"to acceptor", ini, acc}, {"to initiator", acc, ini}} {
						tok, err := dir.from.Wrap(msg)
						if err != nil {
							t.Fatalf("%s, %d bytes: Wrap: %v", dir.name, n, err)
						}
						got, err := dir.to.Unwrap(tok)
						if err != nil {
							t.Fatalf("%s, %d bytes: Unwrap: %v", dir.name, n, err)
						}
						if !bytes.Equal(got, msg) {
							t.Fatalf("%s, %d bytes: got %d bytes back, not the message", dir.name, n, len(got))
						}
					}
				}
			})
		}
	}
}

// TestTokenLayout: the token header is what Windows sends for WinRM over AES with SHA-1
// (05 04, flags, ff, EC 0, RRC 28, the sequence number) and the WinRM header part is 60 bytes,
// the data part as long as the message.
func TestTokenLayout(t *testing.T) {
	ini, acc := pair(t, randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32), true)
	tests := []struct {
		name string
		from *Context
		want []byte
	}{
		{"initiator", ini, []byte{0x05, 0x04, 0x06, 0xff, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 7}},
		{"acceptor", acc, []byte{0x05, 0x04, 0x07, 0xff, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0x03, 0xe8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr, data, err := tt.from.WrapWinRM([]byte("<s:Envelope/>"))
			if err != nil {
				t.Fatal(err)
			}
			if len(hdr) != 60 || tt.from.WinRMHeaderLen() != 60 || len(data) != len("<s:Envelope/>") {
				t.Fatalf("header %d bytes (WinRMHeaderLen %d), data %d bytes; want 60 and 13", len(hdr), tt.from.WinRMHeaderLen(), len(data))
			}
			if !bytes.Equal(hdr[:HeaderLen], tt.want) {
				t.Fatalf("token header %x, want %x", hdr[:HeaderLen], tt.want)
			}
		})
	}
	if ini.RRC() != 28 {
		t.Errorf("RRC = %d, want 28", ini.RRC())
	}
}

// TestRRCByType: the rotation is the header copy and the checksum, whatever the checksum's size.
func TestRRCByType(t *testing.T) {
	for _, et := range etypes {
		ini, _ := pair(t, randomKey(t, et.id, et.keySize), false)
		if ini.RRC() != et.rrc {
			t.Errorf("%s: RRC %d, want %d", et.name, ini.RRC(), et.rrc)
		}
	}
}

// TestUnwrapRefuses: every kind of bad token is refused with its error class, and a refused
// token leaves the context able to take the next good one.
func TestUnwrapRefuses(t *testing.T) {
	key := randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32)
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x01; return b }
	}
	tests := []struct {
		name   string
		mangle func(tok []byte) []byte
		want   error
	}{
		{"truncated header", func(b []byte) []byte { return b[:10] }, ErrToken},
		{"truncated body", func(b []byte) []byte { return b[:HeaderLen+20] }, ErrToken},
		{"token id", flip(1), ErrToken},
		{"filler", flip(3), ErrToken},
		{"not sealed", func(b []byte) []byte { b[2] &^= FlagSealed; return b }, ErrToken},
		{"sent by acceptor flag", func(b []byte) []byte { b[2] |= FlagSentByAcceptor; return b }, ErrToken},
		{"acceptor subkey flag", func(b []byte) []byte { b[2] |= FlagAcceptorSubkey; return b }, ErrToken},
		{"EC", flip(5), ErrIntegrity},
		{"RRC", flip(7), ErrIntegrity},
		{"sequence number in header", flip(15), ErrIntegrity},
		{"rotated trailer", flip(HeaderLen + 3), ErrIntegrity},
		{"confounder", flip(HeaderLen + 30), ErrIntegrity},
		{"encrypted data", func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }, ErrIntegrity},
		{"a byte more", func(b []byte) []byte { return append(b, 0) }, ErrIntegrity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ini, acc := pair(t, key, false)
			tok, err := ini.Wrap([]byte("a message of some length, more than a block"))
			if err != nil {
				t.Fatal(err)
			}
			good := append([]byte(nil), tok...)
			if _, err := acc.Unwrap(tt.mangle(tok)); !errors.Is(err, tt.want) {
				t.Fatalf("Unwrap = %v, want %v", err, tt.want)
			}
			if _, err := acc.Unwrap(good); err != nil {
				t.Fatalf("the good token after a refused one: %v", err)
			}
		})
	}
}

// TestUnwrapSequence: a replayed token, a skipped one and one of this side's own are refused.
func TestUnwrapSequence(t *testing.T) {
	ini, acc := pair(t, randomKey(t, etypeID.AES128_CTS_HMAC_SHA1_96, 16), true)
	first, _ := ini.Wrap([]byte("one"))
	second, _ := ini.Wrap([]byte("two"))
	third, _ := ini.Wrap([]byte("three"))
	if _, err := acc.Unwrap(first); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Unwrap(first); !errors.Is(err, ErrSequence) {
		t.Fatalf("replay: %v, want ErrSequence", err)
	}
	if _, err := acc.Unwrap(third); !errors.Is(err, ErrSequence) {
		t.Fatalf("skipped one: %v, want ErrSequence", err)
	}
	if got, err := acc.Unwrap(second); err != nil || string(got) != "two" {
		t.Fatalf("second = %q, %v", got, err)
	}
	own, _ := acc.Wrap([]byte("mine"))
	if _, err := acc.Unwrap(own); !errors.Is(err, ErrToken) {
		t.Fatalf("own token: %v, want ErrToken", err)
	}
}

// TestUnwrapOtherKey: a token sealed under another key, or with the other direction's key
// usage, fails its integrity check.
func TestUnwrapOtherKey(t *testing.T) {
	ini, _ := pair(t, randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32), false)
	_, acc := pair(t, randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32), false)
	tok, _ := ini.Wrap([]byte("hello"))
	if _, err := acc.Unwrap(tok); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("other key: %v, want ErrIntegrity", err)
	}

	// An initiator that seals with the acceptor's usage (22) by mistake.
	key := randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32)
	ini, acc = pair(t, key, false)
	tok = sealManually(t, ini, []byte("hello"), KeyUsageAcceptorSeal, 0, 28, 28)
	if _, err := acc.Unwrap(tok); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("acceptor's usage from the initiator: %v, want ErrIntegrity", err)
	}
}

// sealManually builds an initiator's token the way another implementation might: with EC filler
// bytes, the header's RRC field set to rrc, and the ciphertext rotated by rotate.
func sealManually(t *testing.T, c *Context, plain []byte, usage uint32, ec, rrc, rotate int) []byte {
	t.Helper()
	flags := c.flags()
	inner := header(flags, uint16(ec), 0, c.sendSeq)
	msg := append(append(append([]byte(nil), plain...), bytes.Repeat([]byte{0xff}, ec)...), inner...)
	_, ct, err := c.et.EncryptMessage(c.key.KeyValue, msg, usage)
	if err != nil {
		t.Fatal(err)
	}
	tok := header(flags, uint16(ec), uint16(rrc), c.sendSeq)
	binary.BigEndian.PutUint64(tok[8:], c.sendSeq)
	c.sendSeq++
	return append(tok, rotateRight(ct, rotate)...)
}

// TestUnwrapOtherSenders: tokens with EC filler, rotated by RRC+EC (Windows, MS-KILE) or by RRC
// alone (RFC 4121), or not rotated at all (RRC 0), are all opened.
func TestUnwrapOtherSenders(t *testing.T) {
	tests := []struct {
		name            string
		ec, rrc, rotate int
	}{
		{"EC 16, rotated by RRC+EC as Windows", 16, 28, 44},
		{"EC 16, rotated by RRC as RFC 4121", 16, 28, 28},
		{"EC 0, RRC 0", 0, 0, 0},
		{"EC 0, RRC 12", 0, 12, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ini, acc := pair(t, randomKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, 32), false)
			tok := sealManually(t, ini, []byte("<s:Envelope/>"), KeyUsageInitiatorSeal, tt.ec, tt.rrc, tt.rotate)
			got, err := acc.Unwrap(tok)
			if err != nil || string(got) != "<s:Envelope/>" {
				t.Fatalf("Unwrap = %q, %v", got, err)
			}
		})
	}
}

// TestNewRefuses: keys that are not AES, or not of their type's size, are refused.
func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		key  types.EncryptionKey
	}{
		{"rc4-hmac", types.EncryptionKey{KeyType: etypeID.RC4_HMAC, KeyValue: make([]byte, 16)}},
		{"aes256-cts-hmac-sha384-192", types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA384_192, KeyValue: make([]byte, 32)}},
		{"short aes256 key", types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: make([]byte, 16)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(Config{Key: tt.key}); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}
