/* A program written against upstream libcurl's API. The test suite turns
 * it into a libfetch program with nothing but
 *   sed -e 's/curl/fetch/g' -e 's/CURL/FETCH/g'
 * and compiles it unchanged. Usage: multi_getinfo URL... */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct memory {
  char *data;
  size_t size;
};

static size_t write_to_memory(void *contents, size_t size, size_t nmemb, void *userp)
{
  size_t realsize = size * nmemb;
  struct memory *mem = (struct memory *)userp;
  char *ptr = realloc(mem->data, mem->size + realsize + 1);
  if(!ptr)
    return 0;
  mem->data = ptr;
  memcpy(&(mem->data[mem->size]), contents, realsize);
  mem->size += realsize;
  mem->data[mem->size] = 0;
  return realsize;
}

static size_t count_headers(char *buffer, size_t size, size_t nitems, void *userdata)
{
  int *lines = (int *)userdata;
  (void)buffer;
  (*lines)++;
  return size * nitems;
}

int main(int argc, char **argv)
{
  CURLM *multi;
  CURL *handles[16];
  struct memory chunks[16];
  int header_lines[16];
  char errbuf[CURL_ERROR_SIZE];
  struct curl_slist *headers = NULL;
  int still_running = 1;
  int i, n = argc - 1, failures = 0;
  CURLMsg *msg;
  int msgs_left;

  if(n < 1 || n > 16)
    return 2;
  curl_global_init(CURL_GLOBAL_ALL);
  headers = curl_slist_append(headers, "X-Test: yes");
  multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 4L);
  for(i = 0; i < n; i++) {
    chunks[i].data = NULL;
    chunks[i].size = 0;
    header_lines[i] = 0;
    handles[i] = curl_easy_init();
    curl_easy_setopt(handles[i], CURLOPT_URL, argv[i + 1]);
    curl_easy_setopt(handles[i], CURLOPT_WRITEFUNCTION, write_to_memory);
    curl_easy_setopt(handles[i], CURLOPT_WRITEDATA, (void *)&chunks[i]);
    curl_easy_setopt(handles[i], CURLOPT_HEADERFUNCTION, count_headers);
    curl_easy_setopt(handles[i], CURLOPT_HEADERDATA, &header_lines[i]);
    curl_easy_setopt(handles[i], CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handles[i], CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(handles[i], CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handles[i], CURLOPT_USERAGENT, "libcurl-agent/1.0");
    curl_easy_setopt(handles[i], CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_multi_add_handle(multi, handles[i]);
  }
  while(still_running) {
    CURLMcode mc = curl_multi_perform(multi, &still_running);
    if(still_running)
      mc = curl_multi_wait(multi, NULL, 0, 1000, NULL);
    if(mc) {
      fprintf(stderr, "curl_multi failed, code %d.\n", (int)mc);
      break;
    }
  }
  while((msg = curl_multi_info_read(multi, &msgs_left))) {
    if(msg->msg == CURLMSG_DONE) {
      long response_code = 0;
      char *effective = NULL;
      char *ip = NULL;
      double total = 0;
      curl_off_t dl = 0;
      for(i = 0; i < n; i++)
        if(msg->easy_handle == handles[i])
          break;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &response_code);
      curl_easy_getinfo(msg->easy_handle, CURLINFO_EFFECTIVE_URL, &effective);
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIMARY_IP, &ip);
      curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME, &total);
      curl_easy_getinfo(msg->easy_handle, CURLINFO_SIZE_DOWNLOAD_T, &dl);
      printf("%s -> %ld from %s, %" CURL_FORMAT_CURL_OFF_T " bytes, %d header lines, %s\n",
             effective, response_code, ip, dl, header_lines[i],
             curl_easy_strerror(msg->data.result));
      if(msg->data.result != CURLE_OK || (size_t)dl != chunks[i].size)
        failures++;
    }
  }
  for(i = 0; i < n; i++) {
    curl_multi_remove_handle(multi, handles[i]);
    curl_easy_cleanup(handles[i]);
    free(chunks[i].data);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);

  /* and the easy interface once, with an error buffer */
  {
    CURL *easy = curl_easy_init();
    struct memory body = {NULL, 0};
    CURLcode res;
    errbuf[0] = 0;
    curl_easy_setopt(easy, CURLOPT_URL, argv[1]);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_to_memory);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, (void *)&body);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    res = curl_easy_perform(easy);
    printf("easy_perform: %d (%s) %zu bytes\n", (int)res,
           res ? errbuf : "ok", body.size);
    if(res != CURLE_OK)
      failures++;
    free(body.data);
    curl_easy_cleanup(easy);
  }
  curl_global_cleanup();
  return failures ? 1 : 0;
}
