"""Runs command lines on a WinRM endpoint with pywinrm's Kerberos transport and message encryption.

Usage: pywinrm_kerberos.py ENDPOINT COMMAND...
Prints one JSON object per command ({"stdout", "stderr", "code"}) on a line of its own. The
Kerberos ticket comes from KRB5CCNAME and the realm's configuration from KRB5_CONFIG, as the Go
test that runs this sets them.

pywinrm builds and parses the SOAP messages and frames the sealed bodies (its encryption.py); the
Kerberos context and the sealing are MIT's GSS-API library, through python3-gssapi. pywinrm asks
its requests auth for wrap_winrm/unwrap_winrm; requests-kerberos 0.12 implements them with
pykerberos calls that Debian's pykerberos (1.1.14) lacks, so GSSAPIAuth below gives pywinrm the
same interface on python3-gssapi, sealing with gss_wrap_iov as pyspnego does on Linux.
"""
import base64
import json
import re
import sys
from urllib.parse import urlparse

import gssapi
import requests
from gssapi.raw import IOV, IOVBufferType, unwrap_iov, wrap_iov

import winrm.transport
from winrm.protocol import Protocol

KRB5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")


class GSSAPIAuth(requests.auth.AuthBase):
    """A requests auth with requests-kerberos' interface for pywinrm, over python3-gssapi."""

    winrm_encryption_available = True

    def __init__(self, mutual_authentication=None, service="HTTP", delegate=False,
                 force_preemptive=False, principal=None, hostname_override=None,
                 sanitize_mutual_error_response=True, send_cbt=True):
        self.service = service or "HTTP"
        self.contexts = {}

    def __call__(self, request):
        host = urlparse(request.url).hostname
        if host not in self.contexts:
            name = gssapi.Name("%s@%s" % (self.service, host), gssapi.NameType.hostbased_service)
            flags = (gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.replay_detection |
                     gssapi.RequirementFlag.out_of_sequence_detection | gssapi.RequirementFlag.confidentiality |
                     gssapi.RequirementFlag.integrity)
            ctx = gssapi.SecurityContext(name=name, usage="initiate", flags=flags, mech=KRB5)
            self.contexts[host] = ctx
            request.headers["Authorization"] = "Negotiate " + base64.b64encode(ctx.step()).decode()
            request.register_hook("response", self.handle_response)
        return request

    def handle_response(self, response, **kwargs):
        ctx = self.contexts[urlparse(response.request.url).hostname]
        if ctx.complete:
            return response
        if response.status_code != 200:
            raise RuntimeError("the host refused the Kerberos logon: HTTP %d" % response.status_code)
        m = re.search(r"Negotiate\s+([A-Za-z0-9+/=]+)", response.headers.get("WWW-Authenticate", ""))
        if not m:
            raise RuntimeError("no AP-REP in the host's answer: mutual authentication failed")
        ctx.step(base64.b64decode(m.group(1)))
        if not ctx.complete:
            raise RuntimeError("the host's AP-REP did not complete the context")
        return response

    def wrap_winrm(self, host, message):
        iov = IOV(IOVBufferType.header, message, IOVBufferType.padding, std_layout=False)
        wrap_iov(self.contexts[host], iov, confidential=True)
        return iov[1].value + (iov[2].value or b""), iov[0].value

    def unwrap_winrm(self, host, message, header):
        iov = IOV((IOVBufferType.header, False, header), message, IOVBufferType.data, std_layout=False)
        unwrap_iov(self.contexts[host], iov)
        return iov[1].value


def main():
    endpoint, commands = sys.argv[1], sys.argv[2:]
    winrm.transport.HTTPKerberosAuth = GSSAPIAuth
    winrm.transport.HAVE_KERBEROS = True
    p = Protocol(endpoint, transport="kerberos", message_encryption="always")
    shell = p.open_shell()
    for line in commands:
        cmd = p.run_command(shell, line)
        out, err, code = p.get_command_output(shell, cmd)
        p.cleanup_command(shell, cmd)
        print(json.dumps({"stdout": out.decode("cp437"), "stderr": err.decode("cp437"), "code": code}))
    p.close_shell(shell)


if __name__ == "__main__":
    main()
