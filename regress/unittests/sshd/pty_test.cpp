#include "sshd/pty.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace ssh::sshd {
namespace {

TEST(Pty, OpensAPairOwnedByTheUser) {
  // As root the slave is handed to the given user; as a user devpts made it ours.
  uid_t owner = geteuid() == 0 ? 1002 : geteuid();
  auto pty = Pty::open(owner, geteuid() == 0 ? 1002 : getegid());
  ASSERT_TRUE(pty) << pty.error().context;
  EXPECT_GE(pty->master(), 0);
  EXPECT_GE(pty->slave(), 0);
  EXPECT_EQ(pty->name().rfind("/dev/pts/", 0), 0u);
  struct stat st{};
  ASSERT_EQ(stat(pty->name().c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, owner);
  if (geteuid() == 0) {
    struct group* tty = getgrnam("tty");
    EXPECT_EQ(st.st_gid, tty ? tty->gr_gid : 1002u);
    EXPECT_EQ(st.st_mode & 0777, tty ? 0620u : 0600u);
  }
  EXPECT_TRUE(fcntl(pty->master(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(pty->master(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(pty->slave(), F_GETFD) & FD_CLOEXEC);
}

TEST(Pty, WindowSizeIsSetAndClamped) {
  auto pty = Pty::open(geteuid(), getegid());
  ASSERT_TRUE(pty);
  ASSERT_TRUE(pty->set_window_size({132, 43, 800, 600}));
  winsize ws{};
  ASSERT_EQ(ioctl(pty->slave(), TIOCGWINSZ, &ws), 0);
  EXPECT_EQ(ws.ws_col, 132);
  EXPECT_EQ(ws.ws_row, 43);
  EXPECT_EQ(ws.ws_xpixel, 800);
  EXPECT_EQ(ws.ws_ypixel, 600);
  ASSERT_TRUE(pty->set_window_size({100000, 5, 0, 0}));
  auto size = pty->window_size();
  ASSERT_TRUE(size);
  EXPECT_EQ(size->columns, 65535u);
  EXPECT_EQ(size->rows, 5u);
}

TEST(Pty, ModesApplyToTheSlave) {
  auto pty = Pty::open(geteuid(), getegid());
  ASSERT_TRUE(pty);
  // RFC 4254 §8: VINTR=1, ECHO=53, ICRNL=36, IUTF8=42, speeds 128/129.
  ASSERT_TRUE(pty->apply_modes({{1, 3}, {53, 0}, {36, 0}, {42, 1}, {128, 9600}, {129, 9600}}));
  termios tio{};
  ASSERT_EQ(tcgetattr(pty->slave(), &tio), 0);
  EXPECT_EQ(tio.c_cc[VINTR], 3);
  EXPECT_FALSE(tio.c_lflag & ECHO);
  EXPECT_FALSE(tio.c_iflag & ICRNL);
  EXPECT_TRUE(tio.c_iflag & IUTF8);
  EXPECT_EQ(cfgetospeed(&tio), B9600);
  ASSERT_TRUE(pty->apply_modes({{53, 1}}));
  ASSERT_EQ(tcgetattr(pty->slave(), &tio), 0);
  EXPECT_TRUE(tio.c_lflag & ECHO);
}

TEST(Pty, MasterSeesEioOnceTheSlaveIsClosed) {
  auto pty = Pty::open(geteuid(), getegid());
  ASSERT_TRUE(pty);
  ASSERT_EQ(write(pty->slave(), "x\n", 2), 2);
  EXPECT_TRUE(pty->send_break());
  pty->close_slave();
  EXPECT_EQ(pty->slave(), -1);
  char buf[16];
  ssize_t n;
  // The kernel may deliver the bytes a moment after the write.
  for (int i = 0; i < 100 && (n = read(pty->master(), buf, sizeof buf)) < 0 && errno == EAGAIN; ++i) {
    usleep(1000);
  }
  EXPECT_GT(n, 0);
  do {
    n = read(pty->master(), buf, sizeof buf);
  } while (n > 0);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_FALSE(pty->apply_modes({}));  // no slave left to configure
}

}  // namespace
}  // namespace ssh::sshd
