# install.cmake — what cmake --install puts in place (docs/genc-tool.md, "Installing"):
#   lib/libgenc.so* and lib/libgenc.a, include/genc.h and include/genc/*.h,
#   lib/pkgconfig/genc.pc (pkg-config genc; --static adds the static library's private
#   dependencies), lib/cmake/genc/genc-config.cmake and its version file (find_package(genc):
#   genc::genc, the shared library, and genc::genc_static with its dependencies),
#   bin/genc and share/genc/examples (the gallery's model files and their data).
include(GNUInstallDirs)

install(TARGETS genc genc_shared
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/genc.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/genc/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/genc
  FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/gallery/ DESTINATION ${CMAKE_INSTALL_DATADIR}/genc/examples
  OPTIONAL FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "*.json")

# The static library's private dependencies, by name: for pkg-config's Libs.private and
# the CMake package's genc::genc_static (whose CUDA libraries come from CUDAToolkit's
# targets).
set(GENC_PC_PRIVATE "-lcjson -llapacke -lopenblas -lm -lpthread -ldl")
set(GENC_CMAKE_STATIC_LIBS "cjson;lapacke;openblas;m;Threads::Threads;dl")
set(GENC_CMAKE_CUDA_NOTE "")
if(GENC_HAVE_CUDA)
  # the CUDA objects (compiled by nvcc as C++) need the C++ runtime where a C program links
  set(GENC_PC_PRIVATE "-L${CUDAToolkit_LIBRARY_DIR} -lcudart -lcublas -lcusolver -lnvrtc ${GENC_PC_PRIVATE} -lstdc++")
  # by file, not CUDAToolkit's targets: those bring the driver's stub (libcuda.so), which a
  # program then needs at start, where no GPU driver is installed (the runtime loads the
  # driver itself when a GPU is asked for)
  foreach(lib nvrtc cusolver cublas cudart)
    list(PREPEND GENC_CMAKE_STATIC_LIBS ${CUDAToolkit_LIBRARY_DIR}/lib${lib}.so)
  endforeach()
  list(APPEND GENC_CMAKE_STATIC_LIBS stdc++)
  set(GENC_CMAKE_CUDA_NOTE ", the CUDA runtime, cuBLAS, cuSOLVER, NVRTC")
endif()
# genc.pc finds the prefix from its own place (${pcfiledir}), so an installed tree may move
# (and cmake --install --prefix elsewhere is right).
file(RELATIVE_PATH GENC_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/genc.pc.in ${CMAKE_BINARY_DIR}/genc.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/genc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

include(CMakePackageConfigHelpers)
set(GENC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/genc)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/genc-config.cmake.in
  ${CMAKE_BINARY_DIR}/genc-config.cmake INSTALL_DESTINATION ${GENC_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/genc-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/genc-config.cmake ${CMAKE_BINARY_DIR}/genc-config-version.cmake
  DESTINATION ${GENC_CMAKE_DIR})
