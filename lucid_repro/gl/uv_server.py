"""The OpenGL half of `UVRenderer`, run as a child process without TensorFlow.

    python -m lucid_repro.gl.uv_server      (started by UVRenderer, not by hand)

Mesa's llvmpipe and TensorFlow each load their own LLVM; in one process they
clash and rendering segfaults. So `UVRenderer` starts this module with
`subprocess.Popen` and talks to it over stdin/stdout. It imports only numpy,
moderngl and TensorFlow-free lucid_repro modules (it refuses to run if
TensorFlow got imported anyway).

Protocol (every message, either way: one JSON header line, then the raw
little-endian bytes it announces, nothing else):

  parent -> child                                    child -> parent
  {"op": "init", "width": W, "height": H}            {"ok": true, "info": {GL_RENDERER: ...}}
  {"op": "mesh", "vertices": N, "faces": F}          {"ok": true}
     + float32 positions N x 3, float32 uvs N x 2, uint32 faces F x 3
  {"op": "uv_map"}                                   {"ok": true, "shape": [H, W, 3]}
     + float32 4 x 4 view-projection, column-major      + float32 H x W x 3 (u, v, mask), row 0 = top
  {"op": "close"}                                    (exits)

A failure is answered {"ok": false, "error": "<one line>"}; the parent raises it
as a UserError. The child exits on "close" or when stdin reaches end of file
(the parent closed it or died).
"""
import json
import os
import sys

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl.render import _FRAGMENT_SHADER, _VERTEX_SHADER, create_egl_context


def _one_line(e):
    lines = str(e).strip().splitlines()
    return lines[0] if lines else e.__class__.__name__


class _GLState:
    """Context, float framebuffer, program and (after "mesh") the mesh buffers."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.vao = self.buffers = None
        self.ctx = create_egl_context()
        with self.ctx:
            max_size = int(self.ctx.info.get("GL_MAX_RENDERBUFFER_SIZE", 16384))
        if width > max_size or height > max_size:
            self.ctx.release()
            raise UserError(f"render size {width}x{height} exceeds the OpenGL limit {max_size}")
        with self.ctx:
            self.color = self.ctx.texture((width, height), 4, dtype="f4")
            self.depth = self.ctx.depth_renderbuffer((width, height))
            self.fbo = self.ctx.framebuffer(color_attachments=[self.color], depth_attachment=self.depth)
            self.program = self.ctx.program(vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER)
        self.frame = np.empty((height, width, 4), np.float32)     # readback buffer, reused

    def info(self):
        return {str(k): (list(v) if isinstance(v, tuple) else v) for k, v in self.ctx.info.items()}

    def _release_mesh(self):
        if self.vao is not None:
            self.vao.release()
            for b in self.buffers:
                b.release()
        self.vao = self.buffers = None

    def set_mesh(self, positions, uvs, faces):
        with self.ctx:
            self._release_mesh()
            pos, uv, ibo = (self.ctx.buffer(b) for b in (positions, uvs, faces))
            self.buffers = (pos, uv, ibo)
            self.vao = self.ctx.vertex_array(
                self.program, [(pos, "3f", "in_position"), (uv, "2f", "in_uv")],
                index_buffer=ibo, index_element_size=4)

    def uv_map(self, matrix_bytes):
        """(u, v, mask) float32 [H, W, 3], row 0 = top, for a column-major 4x4 matrix."""
        if self.vao is None:
            raise UserError("no mesh to render: call set_mesh() first")
        with self.ctx:
            self.program["view_proj"].write(matrix_bytes)
            self.fbo.use()
            self.ctx.viewport = (0, 0, self.width, self.height)
            self.fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            self.ctx.enable(self.ctx.DEPTH_TEST)
            self.vao.render(self.ctx.TRIANGLES)
            self.ctx.disable(self.ctx.DEPTH_TEST)
            self.fbo.read_into(self.frame, components=4, dtype="f4", attachment=0)
        return np.ascontiguousarray(self.frame[::-1, :, :3])  # GL rows are bottom-up

    def release(self):
        with self.ctx:
            self._release_mesh()
            for obj in (self.program, self.fbo, self.depth, self.color):
                obj.release()
        self.ctx.release()


def _read_exact(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} bytes, got {len(data)}")
    return data


def serve(inp, out):
    """Answer requests from binary stream `inp` on binary stream `out` until
    "close" or end of file."""
    def reply(header, payload=None):
        out.write(json.dumps(header, default=str).encode() + b"\n")
        if payload is not None:
            out.write(memoryview(payload).cast("B"))
        out.flush()

    state = None
    try:
        while True:
            line = inp.readline()
            if not line:
                return                                   # parent closed stdin or died
            try:
                msg = json.loads(line)
                op = msg.get("op")
            except (ValueError, AttributeError) as e:
                reply({"ok": False, "error": f"bad request to the OpenGL process: {_one_line(e)}"})
                return                                   # the stream is out of sync
            if op == "close":
                return
            # read the whole payload before acting, so the stream stays in sync on errors
            if op == "mesh":
                n, f = int(msg["vertices"]), int(msg["faces"])
                payload = (_read_exact(inp, 12 * n), _read_exact(inp, 8 * n), _read_exact(inp, 12 * f))
            elif op == "uv_map":
                payload = _read_exact(inp, 64)
            try:
                if op == "init":
                    if state is not None:
                        raise UserError("the OpenGL process is already initialized")
                    state = _GLState(int(msg["width"]), int(msg["height"]))
                    reply({"ok": True, "info": state.info()})
                elif state is None:
                    raise UserError(f"OpenGL process: {op!r} before 'init'")
                elif op == "mesh":
                    state.set_mesh(*payload)
                    reply({"ok": True})
                elif op == "uv_map":
                    frame = state.uv_map(payload)
                    reply({"ok": True, "shape": list(frame.shape)}, frame)
                else:
                    raise UserError(f"unknown request {op!r} to the OpenGL process")
            except Exception as e:                       # UserError or anything from GL
                text = _one_line(e)
                if not isinstance(e, UserError):
                    text = f"OpenGL error ({e.__class__.__name__}: {text})"
                reply({"ok": False, "error": text})
    finally:
        if state is not None:
            try:
                state.release()
            except Exception:
                pass


def main():
    # the protocol owns the real stdout; anything else printed (Python or C) goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    if "tensorflow" in sys.modules:                      # would crash llvmpipe: never render with it
        out.write(json.dumps({"ok": False, "error": "internal error: TensorFlow was imported in the "
                                                    "OpenGL process"}).encode() + b"\n")
        out.flush()
        return 1
    try:
        serve(inp, out)
    except (BrokenPipeError, EOFError):                  # parent went away mid-message
        return 0
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)   # skip interpreter teardown: GL drivers can crash in their atexit handlers
