"""Runs a command in a pseudo-terminal, as a person at a terminal would: the test driver of the bytez binary.

Usage: python3 pty_run.py '<json>' where the JSON has "argv" (the command), and optionally "interruptOn" (send SIGINT
once this text has appeared), "prompt" and "inputs" (type the next input line each time the prompt appears once
more), "eofAfterInputs" (then type Ctrl+D) and "timeout" (seconds). Writes everything the terminal showed to standard
output and exits with the command's exit code (128 + the signal when a signal ended it; 124 on timeout).
"""
import fcntl, json, os, pty, select, signal, struct, sys, termios, time

config = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    # The child: a 160-column terminal that does not turn \n into \r\n, so a \r in the output is a redraw.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    attributes = termios.tcgetattr(0)
    attributes[1] &= ~termios.ONLCR
    termios.tcsetattr(0, termios.TCSANOW, attributes)
    os.execvp(config["argv"][0], config["argv"])

output = b""
interrupted = False
inputs = list(config.get("inputs", []))
typed = 0
deadline = time.monotonic() + config.get("timeout", 120)
code = None
while True:
    if time.monotonic() > deadline:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        code = 124
        break
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        output += chunk
    text = output.decode("utf-8", "replace")
    if config.get("interruptOn") and not interrupted and config["interruptOn"] in text:
        os.kill(pid, signal.SIGINT)
        interrupted = True
    prompt = config.get("prompt")
    if prompt and text.count(prompt) > typed:
        if typed < len(inputs):
            os.write(fd, (inputs[typed] + "\n").encode())
            typed += 1
        elif config.get("eofAfterInputs") and typed == len(inputs):
            os.write(fd, b"\x04")
            typed += 1

if code is None:
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
sys.stdout.buffer.write(output)
sys.stdout.flush()
sys.exit(code)
