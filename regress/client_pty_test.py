"""Our ssh at a real terminal against stock OpenSSH sshd: remote pty and login shell, TERM
and window size, raw mode and its restoration on every exit path, ~ escapes, -t/-T/-n,
and password / keyboard-interactive prompts on /dev/tty.

Each ssh runs on its own pseudo-terminal (regress/lib/pty_driver.py) as the session leader
with the pty as its controlling terminal; the test types on the master side and reads what
a person would see. Markers are written as $((a+b)) so that the terminal's echo of the
typed line never matches the output looked for.
"""
import os
import re
import signal
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import pty_driver  # noqa: E402
import unittest  # noqa: E402

STOCK = fixture.STOCK_SSH


class PtyCase(fixture.SshTestCase):
    def spawn(self, options=(), command=(), binary=None, rows=24, cols=80, term="xterm-256color"):
        p = pty_driver.PtyProcess(self.ssh_args(options, command, binary), rows=rows, cols=cols, term=term)
        self.addCleanup(p.close)
        return p

    def shell(self, options=(), binary=None, **kw):
        """An interactive login shell, ready for input (the prompt after a marker)."""
        p = self.spawn(options, binary=binary, **kw)
        p.send("echo READY$((40+2))\n")
        p.expect("READY42", 20)
        p.expect("$ ")
        return p

    def run_shell_line(self, p, line, n):
        """Types `line; echo DONE<n>` and returns what appeared before the marker."""
        p.send(f"{line}; echo DONE$(({n}+0))\n")
        return p.expect(f"DONE{n}")

    def assertRestored(self, p):
        self.assertEqual(p.attrs(), p.initial_attrs, "local terminal settings not restored")


class ShellTest(PtyCase):
    def test_term_tty_and_initial_window_size(self):
        p = self.shell(rows=30, cols=100)
        out = self.run_shell_line(p, "echo T=$TERM; tty; stty size", 1)
        self.assertIn(b"T=xterm-256color\r\n", out)
        self.assertRegex(out, rb"\r\n/dev/pts/\d+\r\n")
        self.assertIn(b"\r\n30 100\r\n", out)

    def test_resize_sends_window_change(self):
        p = self.shell(rows=30, cols=100)
        # TIOCSWINSZ with a new size makes the kernel send SIGWINCH to our ssh.
        p.resize(41, 123)
        deadline = time.monotonic() + 10
        n = 1
        while True:
            out = self.run_shell_line(p, "stty size", n)
            if b"41 123" in out:
                break
            self.assertLess(time.monotonic(), deadline, out)
            n += 1
        # An explicit SIGWINCH with an unchanged size is harmless.
        p.signal(signal.SIGWINCH)
        self.assertIn(b"41 123", self.run_shell_line(p, "stty size", 99))

    def test_ctrl_c_reaches_remote_and_session_goes_on(self):
        p = self.shell()
        # The marker is printed by the very process that then becomes `sleep`, so a ^C
        # sent after it can only hit the foreground job, never the gap before it starts.
        p.send("sh -c 'echo SLEEP$((0+1)); exec sleep 100'; echo NOT$((0+1))\n")
        p.expect("SLEEP1")
        start = time.monotonic()
        p.send(b"\x03")
        # The remote line discipline flushes pending input when ^C arrives, so a line
        # typed in the same instant may be dropped: retype until the shell answers.
        out = b""
        for attempt in range(10):
            p.send(f"echo alive; echo DONE$((2+{attempt}-{attempt}))\n")
            try:
                out += p.expect("DONE2", timeout=2)
                break
            except AssertionError:
                continue
        self.assertLess(time.monotonic() - start, 30)
        self.assertNotIn(b"NOT1", out)
        self.assertIsNone(p.proc.poll(), "^C killed our ssh")
        p.send("exit\n")
        self.assertEqual(p.wait(), 0)

    def test_exit_status_and_closed_message_like_stock(self):
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.send("exit 3\n")
            self.assertEqual(p.wait(), 3, binary)
            self.assertTrue(p.unread().endswith(b"Connection to 127.0.0.1 closed.\r\r\n"), (binary, p.unread()))
            self.assertRestored(p)


class RestoreTest(PtyCase):
    """Local terminal settings come back on every way out."""

    def test_raw_mode_while_running(self):
        p = self.shell()
        lflag = p.attrs()[3]
        self.assertFalse(lflag & (termios.ICANON | termios.ECHO | termios.ISIG), "terminal not raw")
        p.send("exit\n")
        self.assertEqual(p.wait(), 0)
        self.assertRestored(p)

    def test_restored_after_tilde_dot(self):
        p = self.shell()
        p.send("~.")
        self.assertEqual(p.wait(), 255)
        self.assertRestored(p)

    def test_restored_after_remote_kill(self):
        p = self.shell()
        p.send("kill -9 $$\n")
        self.assertEqual(p.wait(), 255)
        self.assertRestored(p)

    def test_remote_kill_output_like_stock(self):
        # Stock ssh ignores exit-signal: it prints only the closed line.
        tails = []
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.send("kill -9 $$\n")
            self.assertEqual(p.wait(), 255, binary)
            tails.append(p.unread().split(b"$ ", 1)[-1])
        self.assertEqual(tails[1], tails[0])

    def test_restored_after_sigterm_and_sighup(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            p = self.shell()
            p.signal(sig)
            self.assertEqual(p.wait(), 255, sig)
            self.assertRestored(p)

    def kill_server_side(self):
        """SIGKILLs every process under the sshd listener: the connection drops."""
        found, pending = [], [self.sshd.proc.pid]
        while pending:  # the whole tree first: a killed parent's children move away
            kids = subprocess.run(["pgrep", "-P", str(pending.pop())], capture_output=True, text=True).stdout.split()
            found += map(int, kids)
            pending += map(int, kids)
        self.assertTrue(found, "no sshd session processes")
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def test_connection_lost_like_stock(self):
        outs = []
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            self.kill_server_side()
            self.assertEqual(p.wait(), 255, binary)
            self.assertRestored(p)
            outs.append(p.unread())
        self.assertEqual(outs[0], b"Connection to 127.0.0.1 closed by remote host.\r\r\n"
                                  b"Connection to 127.0.0.1 closed.\r\r\n")
        self.assertEqual(outs[1], outs[0])

    def test_killed_by_signal_prints_nothing_like_stock(self):
        # Stock exits from its signal path before "Connection to ... closed.".
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.signal(signal.SIGTERM)
            self.assertEqual(p.wait(), 255, binary)
            self.assertNotIn(b"Connection to", p.unread(), binary)


class EscapeTest(PtyCase):
    def read_back(self, p, typed, n):
        """Types `typed` into a remote `read` and returns what the remote shell got."""
        # Typed at once: the remote pty holds the second line until `read` takes it.
        p.send(f"read x; echo \"[$x]\"; echo DONE$(({n}+0))\n")
        p.send(typed)
        out = p.expect(f"DONE{n}")
        m = re.search(rb"\[(.*)\]\r\n", out)
        self.assertIsNotNone(m, out)
        return m.group(1)

    def test_tilde_dot_disconnects_with_255_like_stock(self):
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.send("~.")
            self.assertEqual(p.wait(), 255, binary)
            # Stock shows no echo of "~.", only the closed line.
            self.assertEqual(p.unread(), b"Connection to 127.0.0.1 closed.\r\r\n", binary)

    def test_help_lines_are_stock_lines(self):
        texts = []
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.send("~?")
            texts.append(p.expect("immediately after newline.)\r\n"))
            p.send("~.")
            p.wait()
        stock, ours = texts
        self.assertIn(b"~?\r\nSupported escape sequences:\r\n", ours)
        ours_lines = ours[ours.index(b"Supported"):].split(b"\r\n")
        stock_lines = stock[stock.index(b"Supported"):].split(b"\r\n")
        for line in ours_lines:
            self.assertIn(line, stock_lines)
        for key in (b"~.", b"~B", b"~R", b"~V/v", b"~^Z", b"~#", b"~?", b"~~"):
            self.assertTrue(any(line.startswith(b" " + key + b" ") for line in ours_lines), key)

    def test_double_tilde_sends_one(self):
        p = self.shell()
        self.assertEqual(self.read_back(p, "~~a\n", 1), b"~a")

    def test_escape_only_after_newline(self):
        p = self.shell()
        self.assertEqual(self.read_back(p, "a~.b\n", 1), b"a~.b")
        self.assertIsNone(p.proc.poll())
        # An unknown escape passes both characters.
        self.assertEqual(self.read_back(p, "~x\n", 2), b"~x")

    def test_escape_none_disables(self):
        for opts in (["-e", "none"], ["-o", "EscapeChar=none"]):
            p = self.shell(options=opts)
            self.assertEqual(self.read_back(p, "~.\n", 1), b"~.", opts)
            self.assertIsNone(p.proc.poll())

    def test_alternate_escape_char(self):
        p = self.shell(options=["-e", "^]"])
        self.assertEqual(self.read_back(p, "~.\n", 1), b"~.")
        p.send(b"\x1d.")
        self.assertEqual(p.wait(), 255)
        self.assertRestored(p)

    def test_break_is_accepted(self):
        p = self.shell()
        p.send("~B")
        p.expect("~B\r\n")
        self.run_shell_line(p, "echo after break", 1)
        deadline = time.monotonic() + 10
        while "request break reply 0" not in self.sshd.read_log():
            self.assertLess(time.monotonic(), deadline, "sshd saw no break request")
            time.sleep(0.05)
        self.assertIsNone(p.proc.poll())

    def test_rekey(self):
        log = os.path.join(self.tmp, "rekey.log")
        p = self.shell(options=["-v", "-E", log])
        p.send("~R")
        self.run_shell_line(p, "echo after rekey", 1)

        def count():
            with open(log, errors="replace") as f:
                return f.read().count("SSH2_MSG_KEXINIT sent")
        deadline = time.monotonic() + 10
        while count() < 2:
            self.assertLess(time.monotonic(), deadline, "no second KEXINIT")
            time.sleep(0.05)
        self.run_shell_line(p, "echo still there", 2)
        p.send("exit\n")
        self.assertEqual(p.wait(), 0)

    def test_suspend_and_resume(self):
        p = self.shell()
        p.send(b"~\x1a")
        p.expect("~^Z [suspend ssh]\r\n")
        self.assertTrue(p.wait_stopped(), "ssh did not stop")
        # While stopped, the terminal is the user's again.
        self.assertRestored(p)
        p.signal(signal.SIGCONT)
        self.run_shell_line(p, "echo resumed", 1)
        self.assertFalse(p.attrs()[3] & termios.ICANON, "raw mode not re-entered")
        p.send("exit\n")
        self.assertEqual(p.wait(), 0)
        self.assertRestored(p)

    def test_verbosity_like_stock(self):
        outs = []
        for binary in (STOCK, None):
            p = self.shell(binary=binary)
            p.send("~V")
            outs.append(p.expect("]\r\n", timeout=5))
            p.send("~v")
            outs.append(p.expect("]\r\n", timeout=5))
        self.assertEqual(outs[0], b"~V [LogLevel ERROR]\r\n")
        self.assertEqual(outs[2:], outs[:2])

    def test_list_connections(self):
        p = self.shell()
        p.send("~#")
        out = p.expect("client-session")
        self.assertIn(b"~#\r\nThe following connections are open:\r\n", out)
        self.assertIn(b"#0 client-session", out)


class TtyFlagsTest(PtyCase):
    NOT_A_TTY = b"Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n"

    def test_t_without_tty_stdin_like_stock(self):
        ours, stock = self.run_both(options=["-t"], command=["tty"], input=b"")
        self.assertEqual(stock.stderr, self.NOT_A_TTY)
        self.assertEqual(ours.stderr, stock.stderr)
        self.assertEqual(ours.stdout, b"not a tty\n")

    def test_tt_forces_pty_without_tty(self):
        ours, stock = self.run_both(options=["-tt"], command=["tty"], input=b"")
        self.assertTrue(ours.stdout.startswith(b"/dev/pts/"), ours.stdout)
        self.assertNotIn(b"Pseudo-terminal", ours.stderr)

    def test_command_at_terminal(self):
        for opts, want_pty in (([], False), (["-t"], True), (["-T"], False)):
            p = self.spawn(options=opts, command=["tty; echo M$((1+1))"])
            p.expect("M2")
            self.assertEqual(p.wait(), 0)
            self.assertEqual(b"/dev/pts/" in p.output, want_pty, (opts, p.output))
            self.assertRestored(p)

    def test_T_shell_has_no_pty(self):
        p = self.spawn(options=["-T"])
        p.send("tty; echo M$((1+1))\n")
        out = p.expect("M2")
        self.assertIn(b"not a tty", out)
        p.send("exit 4\n")
        self.assertEqual(p.wait(), 4)

    def test_n_at_terminal_like_stock(self):
        results = []
        for binary in (STOCK, None):
            p = self.spawn(options=["-n"], binary=binary)
            results.append((p.wait(timeout=10), p.output))
        (stock_rc, stock_out), (ours_rc, ours_out) = results
        self.assertIn(self.NOT_A_TTY[:-2], stock_out)
        self.assertIn(self.NOT_A_TTY[:-2], ours_out)
        self.assertEqual(ours_rc, stock_rc)


class PasswordTest(PtyCase):
    sshd_extra_config = "UsePAM yes\nKbdInteractiveAuthentication yes\n"

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for the test user's password")

    def login(self, method, binary=None):
        opts = ["-o", "PubkeyAuthentication=no", "-o", "BatchMode=no",
                "-o", f"PreferredAuthentications={method}"]
        return self.spawn(options=opts, command=["echo IN$((1+1))"], binary=binary)

    def check_login(self, method, prompt):
        p = self.login(method)
        p.expect(prompt)
        self.assertFalse(p.attrs()[3] & termios.ECHO, "echo on while asking for a password")
        p.send(fixture.TEST_PASSWORD + "\n")
        p.expect("IN2")
        self.assertEqual(p.wait(), 0)
        self.assertNotIn(fixture.TEST_PASSWORD.encode(), p.output)
        self.assertRestored(p)

    def test_password_prompt_on_tty(self):
        self.check_login("password", f"\r{self.user}@127.0.0.1's password: ")

    def test_kbdint_prompt_on_tty(self):
        # OpenSSH's client names the account in keyboard-interactive prompts.
        self.check_login("keyboard-interactive", f"\r({self.user}@127.0.0.1) Password: ")

    def test_three_wrong_passwords_like_stock(self):
        # All four clients at once: each failed PAM attempt costs the server a delay.
        runs = {(m, b): self.login(m, b) for m in ("password", "keyboard-interactive") for b in (STOCK, None)}
        for _ in range(3):
            for p in runs.values():
                p.expect("assword: ", timeout=30)
                p.send("wrong\n")
        endings = {}
        for key, p in runs.items():
            self.assertEqual(p.wait(timeout=30), 255, key)
            self.assertRestored(p)
            endings[key] = p.output.rsplit(b"\r\n", 2)[-2]
        for method in ("password", "keyboard-interactive"):
            self.assertEqual(endings[(method, None)], endings[(method, STOCK)], method)
            self.assertIn(b"Permission denied", endings[(method, None)])


if __name__ == "__main__":
    unittest.main()
