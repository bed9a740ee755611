package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileTest {
  @Test
  void straceLinesAreSummedPerKindOfCallIncludingResumedAndFailedOnes() {
    Profile.SyscallBytes s = Profile.SyscallBytes.of(List.of(
        "17837 sendfile(151, 148, [0] => [982828], 1048576) = 982828",
        "17837 sendfile(151, 148, [982828] <unfinished ...>",
        "17837 <... sendfile resumed> => [1048576], 65748) = 65748",
        "17840 writev(12, [{iov_base=\"\\0\\0\", iov_len=2}], 1) = 2",
        "17841 write(1, \"x\", 1)            = 1",
        "17842 sendmsg(9, {msg_name=NULL}, 0) = 40",
        "17843 write(7, \"\", 5) = -1 EAGAIN (Resource temporarily unavailable)",
        "17844 +++ exited with 0 +++"));
    assertThat(s.sendfileCalls()).isEqualTo(2);
    assertThat(s.sendfileBytes()).isEqualTo(982828 + 65748);
    assertThat(s.writeCalls()).isEqualTo(3);
    assertThat(s.writeBytes()).isEqualTo(43);
  }
}
