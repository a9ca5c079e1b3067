// Package ntlmsrv is the server (acceptor) side of NTLM for the simulated Windows
// hosts, and the WinRM message-encryption framing that rides on it.
//
// No Go library implements the server side of NTLM, so it is written here from
// MS-NLMP on golang.org/x/crypto/md4, crypto/hmac, crypto/md5 and crypto/rc4.
//
// Implemented from MS-NLMP:
//
//   - NEGOTIATE (type 1) parsing and CHALLENGE (type 2) generation (2.2.1.1,
//     2.2.1.2, 3.2.5.1.1). The challenge grants the flags the client asked for that
//     this package supports (UNICODE or OEM, SIGN, SEAL, ALWAYS_SIGN,
//     EXTENDED_SESSIONSECURITY, 128, 56, KEY_EXCH, VERSION) plus the ones Windows
//     always sets (NTLM, REQUEST_TARGET, TARGET_INFO, and TARGET_TYPE_SERVER in a
//     workgroup, TARGET_TYPE_DOMAIN on a domain member). It never
//     sets LM_KEY, DATAGRAM or a flag the client did not ask for that a client may
//     refuse (github.com/Azure/go-ntlmssp rejects a challenge carrying KEY_EXCH or
//     LM_KEY). TargetName is the computer's NetBIOS name in a workgroup, the
//     domain's on a member. TargetInfo carries MsvAvNbDomainName, MsvAvNbComputerName,
//     MsvAvDnsDomainName, MsvAvDnsComputerName, MsvAvDnsTreeName (domain members
//     only) and MsvAvTimestamp.
//   - AUTHENTICATE (type 3) verification for NTLMv2 (3.3.2, 3.2.5.1.2):
//     NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || blob) with
//     NTOWFv2 = HMAC_MD5(MD4(UTF16LE(password)), UTF16LE(UPPER(user) + domain)),
//     where user and domain are the fields of the AUTHENTICATE message, as the client
//     sent them: whichever spelling of a domain the client used (NetBIOS or DNS name,
//     any case), or none with a user name written user@domain, the hash is over
//     that very string, so the Credentials lookup decides which spellings name an
//     account and the proof is checked against the client's.
//   - Session keys: SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr),
//     KeyExchangeKey = SessionBaseKey (NTLMv2), ExportedSessionKey decrypted with
//     RC4 from EncryptedRandomSessionKey when KEY_EXCH is negotiated.
//   - The MIC (HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE))
//     is verified whenever the client's NTLMv2 blob sets the MIC-provided bit of
//     MsvAvFlags, as Windows does.
//   - SIGNKEY and SEALKEY (3.4.5.2, 3.4.5.3) for both directions, 128-, 56- and
//     40-bit sealing keys, one RC4 handle and one sequence number per direction
//     (connection-oriented mode), and the 16-byte NTLMSSP_MESSAGE_SIGNATURE (3.4.4):
//     with extended session security, version 1, the first 8 bytes of
//     HMAC_MD5(SigningKey, SeqNum || Message), RC4-encrypted when KEY_EXCH is set,
//     and the sequence number; without it, the RC4-encrypted CRC32 form.
//   - The WinRM body framing of MS-WSMV 2.2.9.1: multipart/encrypted with
//     protocol="application/HTTP-SPNEGO-session-encrypted", the OriginalContent
//     header, and the octet-stream part holding the signature length, the signature
//     and the sealed message. multipart/x-multi-encrypted bodies with several
//     part pairs are read too, and so is the Length that bodgit/ntlmssp/http
//     declares (that of the whole payload rather than of the plaintext).
//     Responses use exactly Windows' bytes and Content-Type.
//
// Not implemented: NTLMv1 and LM responses (rejected), anonymous authentication
// (rejected), the LM_KEY and DATAGRAM (connectionless) variants, SPNEGO-wrapped
// (GSS-API/ASN.1) tokens (only raw NTLMSSP tokens are accepted, as
// Azure/go-ntlmssp and bodgit/ntlmssp, hence masterzen/winrm, send them),
// channel binding (MsvAvChannelBindings is ignored, so Windows'
// CbtHardeningLevel=Strict cannot be simulated), checking the NTLMv2 blob's
// timestamp against a maximum lifetime (a fresh server challenge per exchange
// already defeats replay), and the 16 KiB chunking Windows uses only for CredSSP.
package ntlmsrv
