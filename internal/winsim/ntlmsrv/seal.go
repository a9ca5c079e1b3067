package ntlmsrv

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"

	"golang.org/x/crypto/md4"
)

// Magic constants of SIGNKEY and SEALKEY (MS-NLMP 3.4.5.2, 3.4.5.3), NUL included.
var (
	clientSigningMagic = []byte("session key to client-to-server signing key magic constant\x00")
	serverSigningMagic = []byte("session key to server-to-client signing key magic constant\x00")
	clientSealingMagic = []byte("session key to client-to-server sealing key magic constant\x00")
	serverSealingMagic = []byte("session key to server-to-client sealing key magic constant\x00")
)

const signatureLen = 16

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func md5Sum(data ...[]byte) []byte {
	h := md5.New()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// ntowfV2 is NTOWFv2 of MS-NLMP 3.3.2.
func ntowfV2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(toUTF16(password))
	return hmacMD5(h.Sum(nil), toUTF16(strings.ToUpper(user)+domain))
}

// rc4Key runs RC4K(key, data): a fresh RC4 stream over one buffer.
func rc4Key(key, data []byte) ([]byte, error) {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out, nil
}

// signKey is SIGNKEY of MS-NLMP 3.4.5.2 (only used with extended session security).
func signKey(exportedSessionKey, magic []byte) []byte {
	return md5Sum(exportedSessionKey, magic)
}

// sealKey is SEALKEY of MS-NLMP 3.4.5.3, without the LM_KEY branches (never negotiated).
func sealKey(flags uint32, exportedSessionKey, magic []byte) []byte {
	switch {
	case flags&flagESS != 0 && flags&flag128 != 0:
		return md5Sum(exportedSessionKey, magic)
	case flags&flagESS != 0 && flags&flag56 != 0:
		return md5Sum(exportedSessionKey[:7], magic)
	case flags&flagESS != 0:
		return md5Sum(exportedSessionKey[:5], magic)
	default:
		return append([]byte(nil), exportedSessionKey...)
	}
}

// direction is the signing/sealing state of one direction of a session.
type direction struct {
	signingKey []byte
	handle     *rc4.Cipher
	seq        uint32
}

// session holds the keys of an authenticated connection (connection-oriented
// mode: one RC4 handle and one sequence number per direction, MS-NLMP 3.4).
type session struct {
	flags   uint32
	in, out direction // in: client to server; out: server to client
}

func newSession(flags uint32, exportedSessionKey []byte) (*session, error) {
	in, err := rc4.NewCipher(sealKey(flags, exportedSessionKey, clientSealingMagic))
	if err != nil {
		return nil, err
	}
	out, err := rc4.NewCipher(sealKey(flags, exportedSessionKey, serverSealingMagic))
	if err != nil {
		return nil, err
	}
	return &session{
		flags: flags,
		in:    direction{signingKey: signKey(exportedSessionKey, clientSigningMagic), handle: in},
		out:   direction{signingKey: signKey(exportedSessionKey, serverSigningMagic), handle: out},
	}, nil
}

// mac computes the NTLMSSP_MESSAGE_SIGNATURE of a plaintext message (MS-NLMP
// 3.4.4), advancing the direction's RC4 handle where the algorithm encrypts.
func (s *session) mac(d *direction, plain []byte) []byte {
	sig := make([]byte, signatureLen)
	binary.LittleEndian.PutUint32(sig, 1) // Version
	seq := binary.LittleEndian.AppendUint32(nil, d.seq)
	if s.flags&flagESS != 0 {
		checksum := hmacMD5(d.signingKey, seq, plain)[:8]
		if s.flags&flagKeyExch != 0 {
			d.handle.XORKeyStream(checksum, checksum)
		}
		copy(sig[4:12], checksum)
		copy(sig[12:16], seq)
		return sig
	}
	// Without extended session security: RandomPad (sent as zero, as Windows and
	// the MS-NLMP 4.2.2.4 example do), RC4(CRC32), RC4(0) XOR SeqNum.
	pad := make([]byte, 4)
	d.handle.XORKeyStream(pad, pad)
	crc := binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(plain))
	d.handle.XORKeyStream(sig[8:12], crc)
	enc := make([]byte, 4)
	d.handle.XORKeyStream(enc, enc)
	for i := range 4 {
		sig[12+i] = enc[i] ^ seq[i]
	}
	return sig
}

// seal encrypts and signs a message from the server to the client.
func (s *session) seal(plain []byte) (sealed, sig []byte) {
	sealed = make([]byte, len(plain))
	s.out.handle.XORKeyStream(sealed, plain)
	sig = s.mac(&s.out, plain)
	s.out.seq++
	return sealed, sig
}

var (
	errChecksum = errors.New("ntlmsrv: message signature checksum does not match")
	errSeqNum   = errors.New("ntlmsrv: message signature sequence number does not match")
)

// unseal decrypts and verifies a message from the client. On failure the caller
// restores the handle it snapshotted, so a rejected message leaves no trace.
func (s *session) unseal(sealed, sig []byte) ([]byte, error) {
	if len(sig) != signatureLen {
		return nil, errors.New("ntlmsrv: message signature is not 16 bytes")
	}
	if binary.LittleEndian.Uint32(sig) != 1 {
		return nil, errors.New("ntlmsrv: message signature version is not 1")
	}
	plain := make([]byte, len(sealed))
	s.in.handle.XORKeyStream(plain, sealed)
	want := s.mac(&s.in, plain)
	// RandomPad (bytes 4..8 without extended session security) is not checked.
	from := 4
	if s.flags&flagESS == 0 {
		from = 8
	}
	// The sequence number first: with extended session security it is also
	// covered by the checksum, and the more specific error is the useful one.
	if subtle.ConstantTimeCompare(sig[12:16], want[12:16]) != 1 {
		return nil, errSeqNum
	}
	if subtle.ConstantTimeCompare(sig[from:12], want[from:12]) != 1 {
		return nil, errChecksum
	}
	s.in.seq++
	return plain, nil
}
