# Compiler warnings for project targets. CI builds with SRPADM_WERROR=ON.
add_library(srpadm_warnings INTERFACE)
target_compile_options(srpadm_warnings INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                                                 -Wold-style-cast -Wcast-align -Wformat=2
                                                 -Wimplicit-fallthrough)
if(SRPADM_WERROR)
  target_compile_options(srpadm_warnings INTERFACE -Werror)
endif()
